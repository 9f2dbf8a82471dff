"""The Decision 766 service-quality index, computed live from dossier and feedback events
(the method: hub/defaults/catalogue/index766.yaml; its definitions: INDEX-766 in the design)."""
