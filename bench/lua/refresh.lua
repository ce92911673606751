-- Refresh with rotation: every answer's new refresh token goes back in the pool, so each
-- token is used exactly once (a reuse would revoke its family). BENCH_REFRESH_FILE holds one
-- fresh token per line, more than there are connections.
local pool = {}
local headers = {
  ["Content-Type"] = "application/x-www-form-urlencoded",
  ["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC"),
}

function init(args)
  for line in io.lines(os.getenv("BENCH_REFRESH_FILE")) do
    if #line > 0 then table.insert(pool, line) end
  end
end

function request()
  local token = table.remove(pool) or "pool-empty"
  return wrk.format("POST", "/token", headers, "grant_type=refresh_token&refresh_token=" .. token)
end

function response(status, headers, body)
  local token = body:match('"refresh_token":%s*"([^"]+)"')
  if token then table.insert(pool, token) end
end
