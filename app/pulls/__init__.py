"""The pull-request workflow: evaluate, then publish the check, reviewers and comment."""
