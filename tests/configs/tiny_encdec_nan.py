# tiny_encdec whose parameters turn NaN before iteration 4 (runner.iter == 3).
_base_ = './tiny_encdec.py'
custom_imports = dict(
    imports=['reliability.plugins.nan_injector'], allow_failed_imports=False)
custom_hooks = [
    dict(type='FiniteLossHook'),
    dict(type='RandomStateHook'),
    dict(type='CheckpointMatchHook'),
    dict(type='InjectNaNHook', at_iter=3),
]
train_cfg = dict(max_iters=6)
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=-1))
