//! The Lua scripts, for the steps that must be atomic on the server: each
//! reads something and writes according to it, and nothing may come between.

use std::sync::LazyLock;

use redis::Script;

/// The most IDs one call of [`REFRESH_LEASES`] takes.
pub(crate) const LEASE_BATCH: usize = 1000;

/// Refreshes the leases of the entries this consumer still owns: for each
/// ID, if the entry is pending and owned by `ARGV[2]`, XCLAIM ... JUSTID
/// resets its idle time without raising its delivery count. An entry that
/// another consumer has taken over (or that is no longer pending) is left
/// alone, since a plain XCLAIM would take it back from its new owner; its ID
/// is returned so that the caller stops counting it as its own. An entry no
/// longer pending at all was just settled (its task is finishing): nothing
/// to do.
///
/// KEYS[1] = stream; ARGV[1] = group, ARGV[2] = consumer, ARGV[3..] = IDs
/// (at most [`LEASE_BATCH`] of them: `unpack` has a stack limit).
pub(crate) static REFRESH_LEASES: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local claim, lost = {KEYS[1], ARGV[1], ARGV[2], '0'}, {}
for i = 3, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if p[1] ~= nil then
    if p[1][2] == ARGV[2] then
      claim[#claim + 1] = ARGV[i]
    else
      lost[#lost + 1] = ARGV[i]
    end
  end
end
if #claim > 4 then
  claim[#claim + 1] = 'JUSTID'
  redis.call('XCLAIM', unpack(claim))
end
return lost
"#,
    )
});

/// Moves up to ARGV[2] retries that are due (score <= ARGV[1], the time
/// now in milliseconds) from the delay set back to the stream, each as a
/// new entry, and returns how many it moved. Moving and removing happen in
/// one script, so a retry is never lost between the two nor queued twice.
///
/// KEYS[1] = delay set, KEYS[2] = stream.
pub(crate) static MOVE_DUE_RETRIES: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, member in ipairs(due) do
  local retry = cjson.decode(member)
  redis.call('XADD', KEYS[2], '*', 'item', retry.item, 'attempt', tostring(retry.attempt),
    'origin', retry.origin, 'error', retry.error)
  redis.call('ZREM', KEYS[1], member)
end
return #due
"#,
    )
});

/// Moves one dead letter (ARGV[1]) back to the stream as a fresh entry
/// (attempt 1, the same origin) and deletes it from the dead-letter stream;
/// returns 1, or 0 if there was no such dead letter.
///
/// KEYS[1] = dead-letter stream, KEYS[2] = stream.
pub(crate) static REQUEUE_DEAD_LETTER: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local found = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
if #found == 0 then return 0 end
local fields, item, origin = found[1][2], nil, nil
for i = 1, #fields, 2 do
  if fields[i] == 'item' then item = fields[i + 1] end
  if fields[i] == 'origin' then origin = fields[i + 1] end
end
if item == nil then item = '' end
if origin == nil then origin = ARGV[1] end
redis.call('XADD', KEYS[2], '*', 'item', item, 'origin', origin)
redis.call('XDEL', KEYS[1], ARGV[1])
return 1
"#,
    )
});
