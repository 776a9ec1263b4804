"""Guidelines templates (the public /guidelines/) and the snapshots a production bakes of them:
handlers, rules, SQL, messages, and the template operations the shooting and production handlers
share (templates.py)."""
