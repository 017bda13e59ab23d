-- The node that owns a conversation (queued there or running there), so that a restarted node
-- recovers only its own conversations and never those another node is running.
ALTER TABLE agent_conversations ADD COLUMN node_id TEXT NOT NULL DEFAULT '';
