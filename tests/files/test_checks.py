"""What a person is told about a file before anything is stored or sent."""

from notion_app.files import checks

MiB = 1024 * 1024


def test_a_file_over_the_workspace_limit_is_named_with_both_sizes():
    assert checks.problem("report.pdf", int(6.2 * MiB), 5 * MiB) == \
        "report.pdf is 6.2 MB; this workspace takes files up to 5 MB."
    assert checks.problem("report.pdf", 5 * MiB, 5 * MiB) is None
    # A workspace that does not say gets a free plan's limit.
    assert "up to 5 MB" in checks.problem("big.mp4", 6 * MiB, None)


def test_kinds_notion_does_not_take():
    assert checks.problem("setup.exe", 10, 5 * MiB) == \
        "setup.exe: Notion does not take “.exe” files. Try a PDF, an image, a document, " \
        "audio or video."
    assert "without an extension" in checks.problem("README", 10, 5 * MiB)
    assert checks.problem("Photo.JPG", 10, 5 * MiB) is None
    assert checks.content_type("Photo.JPG") == "image/jpeg"


def test_names_and_sizes_as_people_read_them():
    assert checks.clean_name("C:\\Users\\ada\\report.pdf") == "report.pdf"
    assert checks.clean_name("../../etc/passwd") == "passwd"
    long = checks.clean_name("é" * 600 + ".pdf")
    assert len(long.encode()) <= 900 and long.endswith(".pdf")
    assert [checks.size_text(n) for n in (1, 12, 300 * 1024, 5 * MiB)] == \
        ["1 byte", "12 bytes", "300 KB", "5 MB"]
