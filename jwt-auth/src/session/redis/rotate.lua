
-- A refresh (`TokenStore::rotate`): ARGV[5] the family, ARGV[6] the generation presented,
-- ARGV[7] the token's `iat` (-1: none), ARGV[8] until when the family's record lasts.
local family, generation = ARGV[5], tonumber(ARGV[6])
local issued, till = tonumber(ARGV[7]), tonumber(ARGV[8])
local outcome
if cut(issued) then
  outcome = 'revoked'
else
  local field = 'f:' .. family
  local entry = find(field)
  if entry == nil then
    record(field, int(generation), now, till)
    outcome = 'first'
  elseif entry.state == 'r' then
    outcome = 'revoked'
  elseif generation <= tonumber(entry.state) then
    entry = record(field, 'r', now, till)
    announce('f', entry.at, entry.till, family)
    outcome = 'reused'
  else
    record(field, int(generation), now, till)
    outcome = 'first'
  end
end
finish()
return {outcome, unpack(published)}
