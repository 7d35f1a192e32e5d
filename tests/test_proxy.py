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
        assert not done.is_alive() and hold.forwarded.wait(5)
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


def test_commands_behind_a_held_one_run_meanwhile_and_answer_in_order(redis_url: str) -> None:
    """A multiplexing client (ioredis) sends everything over one connection: holding the
    fill must not hold the writer's commands queued behind it."""
    direct = redis.Redis.from_url(redis_url, decode_responses=True)
    direct.delete("proxy:fill", "proxy:count")
    with RedisProxy(_upstream(redis_url)) as proxy:
        client = redis.Redis.from_url(proxy.url, decode_responses=True, socket_timeout=10)
        client.ping()
        hold = proxy.hold(lambda words: words[0] == "SET" and words[1] == "proxy:fill")
        pipe = client.pipeline(transaction=False)
        pipe.set("proxy:fill", "old").incr("proxy:count").get("proxy:count")
        answers: list[object] = []
        sender = threading.Thread(target=lambda: answers.extend(pipe.execute()), daemon=True)
        sender.start()
        assert hold.reached.wait(5)
        for _ in range(100):  # the INCR behind the held SET ran on the side connection
            if direct.get("proxy:count") == "1":
                break
            threading.Event().wait(0.02)
        assert direct.get("proxy:count") == "1" and direct.get("proxy:fill") is None
        hold.release()
        sender.join(5)
        assert answers == [True, 1, "1"]  # every reply, in the order the client sent
        assert hold.forwarded.wait(5) and direct.get("proxy:fill") == "old"
        assert client.get("proxy:fill") == "old"  # the connection goes on as before
        client.close()
    direct.delete("proxy:fill", "proxy:count")
    direct.close()


def test_a_held_command_with_an_unknown_reply_keeps_its_place(redis_url: str) -> None:
    """SET … NX may answer nil: it cannot be answered early, so what follows it runs on the
    side and its replies wait behind the held one's."""
    direct = redis.Redis.from_url(redis_url, decode_responses=True)
    direct.delete("proxy:nx", "proxy:n")
    with RedisProxy(_upstream(redis_url)) as proxy:
        client = redis.Redis.from_url(proxy.url, decode_responses=True, socket_timeout=10)
        client.ping()
        hold = proxy.hold(lambda words: words[0] == "SET" and words[1] == "proxy:nx")
        pipe = client.pipeline(transaction=False)
        pipe.set("proxy:nx", "v", nx=True).incr("proxy:n")
        answers: list[object] = []
        sender = threading.Thread(target=lambda: answers.extend(pipe.execute()), daemon=True)
        sender.start()
        assert hold.reached.wait(5)
        for _ in range(100):
            if direct.get("proxy:n") == "1":
                break
            threading.Event().wait(0.02)
        assert direct.get("proxy:n") == "1" and answers == []  # ran, but not yet answered
        hold.release()
        sender.join(5)
        assert answers == [True, 1]
        client.close()
    direct.delete("proxy:nx", "proxy:n")
    direct.close()
