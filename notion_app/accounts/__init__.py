"""Local accounts: sign up, log in, log out, change password, delete; login throttling."""
