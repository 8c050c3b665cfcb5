
-- A revocation (`TokenStore::revoke`): ARGV[5] `c` (log out everywhere), `f` (a family) or `t`
-- (a `jti`), ARGV[6] the family or `jti`, ARGV[7] until when the record lasts.
local kind, id, till = ARGV[5], ARGV[6], tonumber(ARGV[7])
if kind == 'c' then
  raise_cutoff(now, till)
elseif not cut(now) then
  local entry = record(kind .. ':' .. id, 'r', now, till)
  announce(kind, entry.at, entry.till, id)
end
finish()
return published
