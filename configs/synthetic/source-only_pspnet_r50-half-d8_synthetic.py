# The deep per-frame PSPNet (half-width dilated ResNet-50) of
# ../tdnet/per-frame_pspnet_r50-half-d8_synthetic.py trained on the synthetic source
# domain only: the teacher of the TCD student when it is adapted (configs/uda/*tcd*),
# so that no target label reaches an adapted model through distillation.
#   python tools/train.py configs/synthetic/source-only_pspnet_r50-half-d8_synthetic.py
_base_ = '../tdnet/per-frame_pspnet_r50-half-d8_synthetic.py'
train_dataloader = dict(dataset=dict(_base_.source_train, _delete_=True))
