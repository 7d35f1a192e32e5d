"""The README's spec example and its error sample must stay true."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from inkproof import parse_flow
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _example() -> str:
    block = README.split("<!-- readme-example:start -->")[1].split("<!-- readme-example:end -->")[0]
    return re.search(r"```yaml\n(.*?)```", block, re.S).group(1)


def test_readme_example_is_a_valid_complete_flow() -> None:
    flow = parse_flow(_example(), "README.md")
    assert flow.id == "tiny-cache"
    assert [a.label.text for a in flow.arrows] == ["GET item:7", "SETEX item:7 TTL 60s"]
    assert flow.legend[0].text.text == "API checks Redis for item:7"
    assert flow.scenarios[0].steps[0].request == "GET /item/7"


def test_readme_lists_every_icon_and_property() -> None:
    from inkproof.model import Icon, Property

    for value in [*Icon, *Property]:
        assert f"`{value.value}`" in README, value


def test_readme_pictures_are_the_current_published_english_pictures() -> None:
    from inkproof.publish.assets import PictureJob, make_picture

    shown = re.findall(r'<img src="(docs/images/[^"]+\.png)"', README)
    assert shown == ["docs/images/redis-cache-invalidation.png",
                     "docs/images/redis-cache-invalidation-beginner.png"]
    for path in shown:
        spec = ROOT / "spec" / "flows" / (Path(path).stem + ".yaml")
        fresh = make_picture(PictureJob(spec, "en", "verified")).files["png"]
        # Digests, not bytes: pytest's diff of two stale PNGs takes many minutes.
        assert hashlib.sha256((ROOT / path).read_bytes()).hexdigest() == \
            hashlib.sha256(fresh).hexdigest(), f"{path} is stale: run make readme-images"


def test_readme_system_section_is_a_valid_inkproof_toml() -> None:
    """The `[system]` example a team copies must load (and say what the model accepts)."""
    import tomllib

    from inkproof.model import SystemSection

    block = README.split("### Verify your own service")[1].split("```toml")[1].split("```")[0]
    section = SystemSection.model_validate(tomllib.loads(block)["system"])
    assert section.command == "bash run.sh" and section.env["REDIS_URL"] == "{redis}"
    assert section.strategy is not None and section.strategy.value == "delete-on-write"
