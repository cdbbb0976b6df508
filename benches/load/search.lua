-- wrk script for the search load test: cycles through a file of query strings
-- as GET <url path>?<query string>, and prints one JSON line when done.
--
--   WRK_QUERIES=queries.txt WRK_LABEL=search wrk -t2 -c32 -d20s -s search.lua http://127.0.0.1:8080/v1/search
--   wrk -t2 -c32 -d20s -s search.lua http://127.0.0.1:8080/v1/search -- queries.txt
--
-- queries.txt: one query string per line (e.g. "q=cyber%20attack&language=en";
-- the second column of the corpus's mixed_queries.txt; a line "kind<TAB>qs"
-- is accepted too). With no query file, every request is the URL as given,
-- which is how run.sh measures /healthz through the same script.
--
-- The JSON line starts with "WRK_JSON " so that run.sh can pick it out:
-- label, requests, duration_s, rps, p50/p90/p99/mean/max latency in ms,
-- errors (connect, read, write, timeout, status = responses >= 400).

local queries = {}
local label = os.getenv("WRK_LABEL") or "search"
local next_index = 1
local thread_count = 0

local function load_queries(path)
  local list = {}
  if path == nil or path == "" then
    return list
  end
  local file = io.open(path, "r")
  if file == nil then
    error("cannot open query file " .. path)
  end
  for line in file:lines() do
    local qs = line:match("\t(.*)$") or line
    qs = qs:gsub("\r$", "")
    if qs ~= "" then
      list[#list + 1] = qs
    end
  end
  file:close()
  return list
end

queries = load_queries(os.getenv("WRK_QUERIES"))

-- Runs in the main state once per thread: give each thread its own starting
-- point so that the threads do not send the same query at the same moment.
function setup(thread)
  thread:set("thread_id", thread_count)
  thread_count = thread_count + 1
end

function init(args)
  if args ~= nil and args[1] ~= nil then
    queries = load_queries(args[1])
  end
  if #queries > 0 then
    next_index = ((thread_id or 0) * 7919) % #queries + 1
  end
end

function request()
  if #queries == 0 then
    return wrk.format(nil, wrk.path)
  end
  local qs = queries[next_index]
  next_index = next_index % #queries + 1
  return wrk.format("GET", wrk.path .. "?" .. qs)
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"label": "%s", "requests": %d, "duration_s": %.3f, "rps": %.1f, '
      .. '"p50_ms": %.3f, "p90_ms": %.3f, "p99_ms": %.3f, "mean_ms": %.3f, "max_ms": %.3f, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d, "status": %d}}\n',
    label, summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.mean / 1000, latency.max / 1000,
    e.connect, e.read, e.write, e.timeout, e.status))
end
