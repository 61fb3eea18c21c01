-- Messages are looked up by recipient only on the admin page and for a
-- citizen's one-time code, always among the newest rows; an index on the
-- recipient cost every message a write to a random page of that index, which
-- made the outbox double the cost of filing a complaint. Without it, such a
-- lookup walks back from the newest message.
DROP INDEX messages_recipient;
