# The benchmark's stand-in for ImageNet initialisation: the per-frame DeepLab-v2 (R18,
# half width) trained once on the label-rich pretraining domain (a random palette per
# video: only shape, layout and context name a class), neither source nor target.
# Every method on the synthetic benchmark starts its backbone from this checkpoint:
#   python tools/train.py configs/synthetic/pretrain_deeplabv2_r18-half-d8_synthetic.py \
#       --work-dir work_dirs/pretrained
# then, in a method's config or with --cfg-options:
#   backbone.init_cfg = dict(type='Pretrained', prefix='backbone.',
#                            checkpoint='work_dirs/pretrained/iter_2000.pth')
_base_ = ['./source-only_deeplabv2_r18-half-d8_synthetic.py']
train_dataloader = dict(
    dataset=dict(
        _delete_=True, type='VIPERDataset',
        data_root=_base_.synthetic_root + '/pretrain/viper', split='train',
        protocol='shared15', frame_offsets=[0], pipeline={{_base_.train_pipeline}}))
max_iters = 2000
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=max_iters,
         by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters + 1)
default_hooks = dict(checkpoint=dict(interval=max_iters, max_keep_ckpts=1))
val_dataloader = None
val_cfg = None
val_evaluator = None
