"""The wire proxy against a real redis-server: bytes pass unchanged, a held command
reaches the server only once released, other connections pass meanwhile."""

from __future__ import annotations

import threading

import redis

from inkproof.runtime.proxy import RedisProxy


def _upstream(url: str) -> tuple[str, int]:
    host_port = url.split("//", 1)[1].split("/", 1)[0]
    host, port = host_port.rsplit(":", 1)
    return host, int(port)


def test_a_held_fill_lands_only_after_release_while_others_pass(redis_url: str) -> None:
    direct = redis.Redis.from_url(redis_url, decode_responses=True)
    with RedisProxy(_upstream(redis_url)) as proxy:
        reader = redis.Redis.from_url(proxy.url, decode_responses=True)
        writer = redis.Redis.from_url(proxy.url, decode_responses=True)
        assert reader.set("proxy:echo", 'a "quoted"\r\nvalue ✓') is True
        assert direct.get("proxy:echo") == 'a "quoted"\r\nvalue ✓'  # bytes unchanged
        hold = proxy.hold(lambda words: words[0] == "SET" and words[1] == "proxy:key")
        done = threading.Thread(target=reader.set, args=("proxy:key", "old"), daemon=True)
        done.start()
        assert hold.reached.wait(5)
        assert direct.get("proxy:key") is None  # held on the wire
        writer.delete("proxy:key")  # another connection is not held
        writer.set("proxy:other", "x")
        assert direct.get("proxy:other") == "x"
        hold.release()
        done.join(5)
        assert not done.is_alive()
        assert direct.get("proxy:key") == "old"  # the stale fill, after the delete
        assert hold.command[:2] == ("SET", "proxy:key")
        reader.close()
        writer.close()
    direct.delete("proxy:echo", "proxy:key", "proxy:other")
    direct.close()


def test_a_hold_that_is_never_released_times_out(redis_url: str) -> None:
    with RedisProxy(_upstream(redis_url)) as proxy:
        client = redis.Redis.from_url(proxy.url, decode_responses=True, socket_timeout=5)
        hold = proxy.hold(lambda words: words[0] == "GET", timeout=0.3)
        assert client.get("proxy:nothing") is None  # answered after the timeout
        assert hold.reached.is_set()
        client.close()
