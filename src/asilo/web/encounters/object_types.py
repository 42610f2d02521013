"""The object types the encounters app writes in the audit log."""

ENCOUNTER = "encounters.encounter"
OVERRIDE = "encounters.override"
CUSTODY = "encounters.custody"
FAMILY_EXCEPTION = "encounters.familyexception"
REUNIFICATION_TASK = "encounters.reunificationtask"
STAFF_NOTIFICATION = "encounters.staffnotification"
