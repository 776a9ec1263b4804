"""What the shots service publishes on ``shots.events``, always through the outbox: shot and
revision facts (:mod:`services.shots.status_changes`, :mod:`services.shots.shot_commands`,
:mod:`services.shots.revisions`) and generation progress (:mod:`services.shots.generation_events`).
What it consumes is in :mod:`services.shots.consumers`."""

# The envelope source of every event the shots service publishes.
SOURCE = "shots"
