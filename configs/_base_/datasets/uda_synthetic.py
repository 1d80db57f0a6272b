# Source (labelled VIPER-layout clips) paired with unlabelled target clips
# (Cityscapes-sequence layout), evaluated per frame on the target val frames.
_base_ = ['./synthetic_clips.py']
train_dataloader = dict(
    batch_size=2, num_workers=2, persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='UDADataset', source={{_base_.source_train}},
                 target={{_base_.target_train_unlabelled}}, seed=0))
