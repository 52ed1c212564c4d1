"""HTTP fetching: one requests session per site, honest User-Agent, timeouts, capped body size."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import requests

DEFAULT_MAX_BYTES = 20 * 1024 * 1024


@dataclass
class FetchResult:
    url: str
    final_url: str = ""
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    elapsed_ms: int = 0
    error: str = ""          # '' on a completed HTTP exchange (any status), else what went wrong
    truncated: bool = False

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                return value.strip().strip('"\'')
        return None


class Fetcher:
    def __init__(self, user_agent: str, timeout: float = 20.0, max_bytes: int = DEFAULT_MAX_BYTES):
        self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent
        self.session.headers["Accept-Language"] = "nl,en;q=0.5"
        self.timeout = (min(10.0, timeout), timeout)  # (connect, read)
        self.max_bytes = max_bytes

    def get(self, url: str, headers: dict[str, str] | None = None) -> FetchResult:
        started = time.monotonic()
        result = FetchResult(url=url)
        try:
            with self.session.get(url, headers=headers, timeout=self.timeout, stream=True,
                                  allow_redirects=True) as resp:
                result.status = resp.status_code
                result.final_url = resp.url
                result.headers = {k.lower(): v for k, v in resp.headers.items()}
                chunks, size = [], 0
                for chunk in resp.iter_content(64 * 1024):
                    size += len(chunk)
                    if size > self.max_bytes:
                        result.truncated = True
                        result.error = f"body larger than {self.max_bytes} bytes"
                        break
                    chunks.append(chunk)
                result.body = b"".join(chunks)
        except requests.TooManyRedirects:
            result.error = "redirect loop or too many redirects"
        except requests.Timeout:
            result.error = "timeout"
        except requests.ConnectionError as e:
            result.error = f"connection error: {type(e).__name__}"
        except requests.RequestException as e:
            result.error = f"request failed: {type(e).__name__}: {e}"
        result.elapsed_ms = int((time.monotonic() - started) * 1000)
        return result

    def close(self) -> None:
        self.session.close()
