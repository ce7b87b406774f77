-- wrk script for bench/ingest.py: realistic POST /v1/events traffic.
--
--   wrk -t2 -c8 -d20s --latency -s bench/wrk/ingest.lua <url> -- <events_per_request> [<run>]
--
-- <events_per_request> = 1 sends one event object per request (what the tracker's
-- beacons do); N > 1 sends {"events": [...]} with N events. The URL's path decides
-- the endpoint (/v1/events, or /bench/ceiling for the ceiling).
--
-- Payloads, like the tracker's: page_view / engagement / web_vitals about 60/20/20,
-- 10,000 visitors ("bench00000".."bench09999"), 50 paths, half of the page views
-- with a referrer and/or UTM tags (Google organic and paid, Facebook, newsletter),
-- a client timestamp, one of 20 real User-Agents per request (17 browsers: desktop,
-- mobile and tablet; 3 crawlers), and text/plain;charset=UTF-8 as sendBeacon sends.
--
-- Bookkeeping for the correctness check: each request carries
-- X-Request-ID "bench-r<run>-t<thread>-<seq>" (the service echoes it), and each
-- eventId is a random version-4 UUID except that the 3 hex digits after the version
-- hold <run> (0-4095) and the last 12 hex digits are <thread:2><seq:8><index:2>, so
-- the harness can tell, row by row, which request of which run stored it. done()
-- writes a JSON summary to $BENCH_RESULT_FILE.

local threads = {}

function setup(thread)
   thread:set("bench_thread_id", #threads + 1)
   table.insert(threads, thread)
end

local user_agents = {
   -- desktop
   "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
   "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
   "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15",
   "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
   "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
   "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80",
   "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36",
   -- mobile
   "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1",
   "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1",
   "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36",
   "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36",
   "Mozilla/5.0 (Linux; Android 13; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36",
   "Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0",
   "Mozilla/5.0 (iPhone; CPU iPhone OS 16_7_8 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 329.0.0.29.120 (iPhone14,5; iOS 16_7_8; en_CA; en; scale=3.00; 1170x2532; 592429409)",
   -- tablet
   "Mozilla/5.0 (iPad; CPU OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1",
   "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Safari/537.36",
   "Mozilla/5.0 (Linux; Android 11; KFTRWI) AppleWebKit/537.36 (KHTML, like Gecko) Silk/124.2.1 like Chrome/124.0.6367.82 Safari/537.36",
   -- crawlers that run JavaScript
   "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.118 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
   "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36",
   "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
}

local paths = {
   "/", "/pricing", "/features", "/about", "/contact", "/blog", "/careers", "/security",
   "/privacy", "/terms", "/demo", "/signup", "/login", "/customers", "/integrations",
   "/docs", "/docs/getting-started", "/docs/api", "/docs/tracking", "/docs/faq",
   "/blog/launch-week", "/blog/casl-compliance-checklist", "/blog/pipeda-for-startups",
   "/blog/core-web-vitals-2024", "/blog/landing-page-conversion", "/blog/utm-best-practices",
   "/blog/email-consent", "/blog/analytics-without-cookies", "/blog/case-study-acme",
   "/blog/case-study-northwind", "/features/forms", "/features/analytics",
   "/features/consent", "/features/exports", "/solutions/agencies", "/solutions/saas",
   "/solutions/ecommerce", "/solutions/nonprofits", "/compare/google-analytics",
   "/compare/plausible", "/compare/matomo", "/resources", "/resources/webinars",
   "/resources/templates", "/partners", "/press", "/events/toronto-2024",
   "/lp/spring-offer", "/lp/free-audit", "/thank-you",
}

local campaigns = { "spring_launch", "weekly_digest", "webinar_invite", "brand", "retargeting" }

local thread_id, seq, events_per_request, run
-- Globals, not locals: done() reads them from each thread with thread:get().
sent, responses, status_202, non_2xx, accepted_events = 0, 0, 0, 0, 0
answered = {}      -- seq -> events accepted, for the requests answered 202
statuses = {}      -- status -> count
error_samples = {} -- first bodies of non-2xx answers

local function read_seed()
   local f = io.open("/dev/urandom", "rb")
   if not f then return os.time() + thread_id * 7919 end
   local b1, b2, b3, b4 = f:read(4):byte(1, 4)
   f:close()
   return ((b1 * 256 + b2) * 256 + b3) * 128 + b4
end

function init(args)
   thread_id = bench_thread_id
   events_per_request = tonumber(args[1] or "1")
   run = tonumber(args[2] or "0") % 4096
   seq = 0
   math.randomseed(read_seed())
end

local function event_uuid(event_index)
   -- random version-4 UUID, except for run, thread, request and index
   return string.format("%04x%04x-%04x-4%03x-%04x-%02x%08x%02x",
      math.random(0, 0xffff), math.random(0, 0xffff), math.random(0, 0xffff),
      run, 0x8000 + math.random(0, 0x3fff),
      thread_id, seq, event_index)
end

local function page_view_source()
   local r = math.random(100)
   if r <= 25 then
      return ',"referrer":"https://www.google.com/"'
   elseif r <= 33 then
      return ',"referrer":"https://l.facebook.com/"'
   elseif r <= 41 then
      return ',"utm":{"source":"newsletter","medium":"email","campaign":"'
         .. campaigns[math.random(1, 3)] .. '"}'
   elseif r <= 46 then
      return ',"referrer":"https://www.google.com/","utm":{"source":"google","medium":"cpc","campaign":"brand","term":"marketing analytics"}'
   elseif r <= 50 then
      return ',"referrer":"https://m.facebook.com/","utm":{"source":"facebook","medium":"paid_social","campaign":"retargeting","content":"carousel_a"}'
   end
   return "" -- direct
end

local function event_json(event_index, timestamp)
   local r = math.random(100)
   local head = '{"anonId":"bench' .. string.format("%05d", math.random(0, 9999))
   local common = '","path":"' .. paths[math.random(#paths)]
      .. '","eventId":"' .. event_uuid(event_index)
      .. '","timestamp":"' .. timestamp .. '"'
   if r <= 60 then
      return head .. '","eventType":"page_view' .. common .. page_view_source() .. "}"
   elseif r <= 80 then
      return head .. '","eventType":"engagement' .. common
         .. ',"props":{"engagedTimeMs":' .. math.random(500, 180000)
         .. ',"scrollDepthPercent":' .. math.random(0, 100) .. "}}"
   end
   return head .. '","eventType":"web_vitals' .. common
      .. ',"props":{"fcpMs":' .. math.random(300, 3000)
      .. ',"lcpMs":' .. math.random(800, 6000)
      .. ',"inpMs":' .. math.random(16, 600)
      .. ',"clsScore":' .. string.format("%.3f", math.random() * 0.4)
      .. ',"ttfbMs":' .. math.random(40, 1200) .. "}}"
end

function request()
   seq = seq + 1
   sent = sent + 1
   local timestamp = os.date("!%Y-%m-%dT%H:%M:%SZ")
   local body
   if events_per_request == 1 then
      body = event_json(0, timestamp)
   else
      local events = {}
      for i = 1, events_per_request do
         events[i] = event_json(i - 1, timestamp)
      end
      body = '{"events":[' .. table.concat(events, ",") .. "]}"
   end
   local headers = {
      ["Content-Type"] = "text/plain;charset=UTF-8",
      ["User-Agent"] = user_agents[math.random(#user_agents)],
      ["Origin"] = "http://localhost:8000",
      ["X-Request-ID"] = string.format("bench-r%d-t%d-%d", run, thread_id, seq),
   }
   return wrk.format("POST", nil, headers, body)
end

function response(status, headers, body)
   responses = responses + 1
   statuses[status] = (statuses[status] or 0) + 1
   local request_id = headers["X-Request-ID"] or headers["x-request-id"] or ""
   local answered_seq = tonumber(string.match(request_id, "^bench%-r%d+%-t%d+%-(%d+)$"))
   if status == 202 then
      status_202 = status_202 + 1
      local accepted = tonumber(string.match(body, '"accepted":%s*(%d+)')) or 0
      accepted_events = accepted_events + accepted
      if answered_seq then
         answered[answered_seq] = accepted
      end
   else
      -- refused: recorded as -status, so the harness expects no row of it
      if answered_seq then
         answered[answered_seq] = -status
      end
      if status < 200 or status > 299 then
         non_2xx = non_2xx + 1
      end
      if #error_samples < 5 then
         error_samples[#error_samples + 1] = status .. " " .. string.sub(body or "", 1, 300)
      end
   end
end

local function json_string(s)
   return '"' .. string.gsub(s, '[%c"\\]', function(c)
      return string.format("\\u%04x", string.byte(c))
   end) .. '"'
end

function done(summary, latency, requests)
   local out = {}
   local function add(s) out[#out + 1] = s end
   add('{"duration_us":' .. summary.duration)
   add(',"requests":' .. summary.requests)
   add(',"bytes":' .. summary.bytes)
   add(string.format(',"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}',
      summary.errors.connect, summary.errors.read, summary.errors.write,
      summary.errors.status, summary.errors.timeout))
   add(string.format(',"latency_us":{"mean":%.1f,"stdev":%.1f,"max":%d,"p50":%d,"p75":%d,"p90":%d,"p99":%d,"p999":%d}',
      latency.mean, latency.stdev, latency.max, latency:percentile(50), latency:percentile(75),
      latency:percentile(90), latency:percentile(99), latency:percentile(99.9)))
   add(',"threads":[')
   for i, t in ipairs(threads) do
      if i > 1 then add(",") end
      add(string.format('{"thread":%d,"sent":%d,"responses":%d,"status_202":%d,"non_2xx":%d,"accepted_events":%d',
         t:get("bench_thread_id"), t:get("sent"), t:get("responses"), t:get("status_202"),
         t:get("non_2xx"), t:get("accepted_events")))
      add(',"statuses":{')
      local first = true
      for status, count in pairs(t:get("statuses")) do
         add((first and "" or ",") .. '"' .. status .. '":' .. count)
         first = false
      end
      add('},"answered":{')
      first = true
      for answered_seq, accepted in pairs(t:get("answered")) do
         add((first and "" or ",") .. '"' .. answered_seq .. '":' .. accepted)
         first = false
      end
      add('},"error_samples":[')
      for j, sample in ipairs(t:get("error_samples")) do
         add((j > 1 and "," or "") .. json_string(sample))
      end
      add("]}")
   end
   add("]}")
   local path = os.getenv("BENCH_RESULT_FILE")
   if path then
      local f = assert(io.open(path, "w"))
      f:write(table.concat(out))
      f:close()
   else
      print(table.concat(out))
   end
end
