"""rag.settings: the product's settings agree with the Streamlit server's own."""

import math
import tomllib

from rag.settings import PROJECT_ROOT, Settings


def test_the_server_accepts_no_upload_larger_than_the_apps_limit():
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())
    app_limit_mb = Settings.model_fields["upload_max_mb"].default
    assert config["server"]["maxUploadSize"] == math.ceil(app_limit_mb)
