#!/usr/bin/env python3
"""A scripted OpenAI-compatible server for berth's benchmarks (stdlib only, 127.0.0.1 only).

Every /v1/chat/completions request is answered with the prompt's starting point (the offline
draft berth sends) as a JSON answer, which passes validation; GET /count tells how many
completion requests came. Prints the port it listens on, then serves until killed.
BERTH_BENCH_LATENCY_MS (default 0) delays every answer, as a hosted model's would be; requests
are answered concurrently.
"""
import json
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COUNT = 0
LOCK = threading.Lock()
LATENCY = int(os.environ.get("BERTH_BENCH_LATENCY_MS", "0")) / 1000
BLOCK = re.compile(r"\n### (?P<path>[^\n]+)\n\n```[^\n]*\n(?P<body>.*?)```", re.S)


def answer(body):
    user = body["messages"][1]["content"]
    files = [{"path": m["path"].strip(), "contents": m["body"]} for m in BLOCK.finditer(user)]
    return json.dumps({"files": files, "rationale": "scripted: the starting point"})


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, payload):
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        with LOCK:
            self.reply(200, {"count": COUNT})

    def do_POST(self):
        global COUNT
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        with LOCK:
            COUNT += 1
        time.sleep(LATENCY)
        self.reply(200, {
            "id": "x", "object": "chat.completion", "model": body.get("model"),
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": answer(body)}}],
            "usage": {"prompt_tokens": 1000, "completion_tokens": 500},
        })


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
