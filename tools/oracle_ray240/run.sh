#!/usr/bin/env bash
# The Ray >= 2.40 interop checks, end to end; records their figures under fixtures/ray240/.
#   bash tools/oracle_ray240/run.sh            (make ray-oracle)
# Skips cleanly (exit 0, a message) when tools/oracle_ray240/.venv is absent: build it with
# tools/oracle_ray240/setup.sh (network to PyPI, ~2 GB). Not part of CI (needs Ray, ~5 min).
set -uo pipefail
cd "$(dirname "$0")/../.."
RAY_PY=tools/oracle_ray240/.venv/bin/python
OUR_PY=${OUR_PY:-.venv/bin/python}
if [ ! -x "$RAY_PY" ]; then
  echo "ray-oracle: skipped: no $RAY_PY (run bash tools/oracle_ray240/setup.sh first)"
  exit 0
fi
work=$(mktemp -d)
out=fixtures/ray240
mkdir -p "$out"
status=0
"$OUR_PY" tools/oracle_ray240/export_targets.py "$work" >/dev/null || status=1
"$RAY_PY" tools/oracle_ray240/check_targets.py "$work" > "$out/check_targets.json" 2>"$work/targets.err" || status=1
converted="{}"
for case in fc_discrete fc_box lstm_discrete multi_agent; do
  for fmt in cloudpickle msgpack; do
    dst="$work/converted/$case-$fmt"
    "$OUR_PY" -m rlmigrate.cli convert-checkpoint "fixtures/ray_checkpoints/$case/$fmt" "$dst" --to ray >/dev/null || status=1
    line=$("$RAY_PY" tools/oracle_ray240/check_converted.py "$dst" "fixtures/ray_checkpoints/$case/expected.json" 2>>"$work/converted.err") || status=1
    converted=$(python3 -c "import json,sys; d=json.loads(sys.argv[1]); d[sys.argv[2]]=json.loads(sys.argv[3]); print(json.dumps(d))" "$converted" "$case/$fmt" "${line:-null}")
  done
done
python3 -c "import json,sys; print(json.dumps(json.loads(sys.argv[1]), indent=1, sort_keys=True))" "$converted" > "$out/check_converted.json"
"$RAY_PY" tools/oracle_ray240/train_ppo.py "$work" --converted "$work/converted/fc_discrete-msgpack" \
  > "$out/training.json" 2>"$work/train.err" || status=1
# A Learner the codemod generated (RLM033, --target ray) trains inside Ray's own TorchLearner.
cp fixtures/rules/RLM033/before.py "$work/a2c_policy.py"
"$OUR_PY" -m rlmigrate.cli rewrite --target ray --no-progress "$work/a2c_policy.py" >/dev/null || status=1
"$RAY_PY" tools/corpus_learners/ray240_learner_check.py "$work/a2c_policy.py" 2>/dev/null \
  | grep -v WARN > "$out/learner_check.txt" || status=1
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
targets = json.load(open(f"{out}/check_targets.json"))
converted = json.load(open(f"{out}/check_converted.json"))
training = json.load(open(f"{out}/training.json"))
print(f"--target ray files importing on Ray {targets['ray']}: {targets['files_import']}/{targets['files']} "
      f"(failures: {targets['import_failures'] or 'none'})")
print(f"--target ray classes matching --target rlmigrate: {targets['classes_match']}/{targets['classes_compared']}")
ok = sum(1 for v in converted.values() if v and v.get("ok"))
print(f"converted Ray 2.10 checkpoints restored by Ray 2.40 and matching Ray 2.10: {ok}/{len(converted)}")
local = training["local"]["episode_return_mean"]
print(f"PPO on CartPole with the emitted MLPModel: return {local[0]:.1f} -> {local[-1]:.1f} in {len(local)} iterations")
d = training["distributed"]
print(f"distributed (num_env_runners={d['num_env_runners']}, num_learners={d['num_learners']}): "
      f"{len(d['episode_return_mean'])} iterations completed")
print(f"generated rl_module_spec dropped into PPOConfig: {training['spec_drop_in']}")
print(f"PPO resumed from converted Ray 2.10 weights (load_state_path): {training.get('resume')}")
print("generated Learner in Ray's TorchLearner:", " | ".join(open(f"{out}/learner_check.txt").read().splitlines()))
PY
rm -rf "$work"
exit $status
