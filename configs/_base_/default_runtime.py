default_scope = 'uda_video'
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # tools/train.py uses gloo instead when CUDA is unavailable.
    dist_cfg=dict(backend='nccl'),
)
# Logging (docs/logging.md): every backend writes under WORK_DIR/TIMESTAMP/vis_data.
# - LocalVisBackend: scalars.json (losses, lr, metrics; 'step' = iteration),
#   config.py, vis_image/*.png;
# - TensorboardVisBackend: event files (tensorboard --logdir WORK_DIR);
# - IterWandbVisBackend: a wandb run, offline unless mode='online' here or
#   WANDB_MODE=online in the environment (mode=None reads $WANDB_MODE, default
#   offline; 'disabled' turns it off). Upload an offline run with `wandb sync`.
vis_backends = [
    dict(type='LocalVisBackend'),
    dict(type='TensorboardVisBackend'),
    dict(type='IterWandbVisBackend', mode=None, project='uda_video'),
]
visualizer = dict(
    type='VideoSegVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False
# Fault tolerance: stop at a non-finite loss before it is checkpointed; save and
# restore the random generators so --resume continues exactly.
# EvalVisualizationHook: colourized [frame | gt | prediction] panels of the first
# validation samples, logged to every backend at each evaluation.
custom_hooks = [
    dict(type='FiniteLossHook'),
    dict(type='RandomStateHook'),
    dict(type='CheckpointMatchHook'),
    dict(type='EvalVisualizationHook', num_samples=4),
]
