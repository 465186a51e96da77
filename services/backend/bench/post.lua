-- wrk script: every request adds one item with POST /api/items.
-- Used by bench.sh; the server must run with a MAX_ITEMS above what the run can add.
wrk.method = "POST"
wrk.body = '{"title":"benchmark item"}'
wrk.headers["Content-Type"] = "application/json"
