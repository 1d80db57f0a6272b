# Target-trained oracle: the same DeepLab-v2 R101, schedule and evaluation as the
# VIPER -> Cityscapes methods, supervised on the labelled Cityscapes train frames
# (frame 19 of each snippet, 15-class protocol) instead of VIPER: the upper end
# of the domain gap. The "source" of the UDA data pair is the labelled target;
# the unlabelled target clip of the pair is unused by UDASegmentor.
_base_ = ['../_base_/viper2cityscapes_uda.py']
# Frames as the target's (the base's aug option), replacing the VIPER source.
oracle = _base_.target.deepcopy()
oracle.update(all_frames=False, _delete_=True)
train_dataloader = dict(dataset=dict(source=oracle))
