"""The shootings context: shootings, guidelines templates, productions, phases and lifecycle statuses
(and, as later issues land, looks and the reference catalog)."""
