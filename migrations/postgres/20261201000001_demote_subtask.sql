-- Paca's migration 000012: the legacy "Subtask" system type becomes a regular type that users
-- may rename or delete; new projects no longer get it.
UPDATE task_types SET is_system = false WHERE name = 'Subtask' AND is_system = true;
