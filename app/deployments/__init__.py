"""The deployment protection rule: what a deployment brings, the verdict, the decision."""
