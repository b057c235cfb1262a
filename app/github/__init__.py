"""Everything that talks to GitHub: App authentication, the REST client, the snapshot."""
