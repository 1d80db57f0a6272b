# What every UDA benchmark base shares around its own numbers: the UDA model's
# own train_step on several processes (tools/dist_train.sh: gradients averaged
# over the ranks before each step), one optimizer per named module (segmentor,
# discriminators), an iteration loop, and the hooks; a benchmark base sets the
# optimizers, schedulers, iterations, log and checkpoint intervals.
model_wrapper_cfg = dict(type='TrainStepDataParallel')
optim_wrapper = dict(constructor='NamedModulesOptimWrapperConstructor')
train_cfg = dict(type='IterBasedTrainLoop')
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook', draw=False))
