# Cityscapes-VPS test of vat-multilevel_deeplabv2-caffe_r101-d8_viper2cityscapes.py (15 classes, rider
# merged into person): mIoU, semantic VPQ, VPQ of derived instances
# (k = 0, 5, 10, 15) and TC in one run. Needs the val flow files
# (configs/_base_/datasets/cityscapes_vps.py; without them see
# docs/uda.md, "Evaluating on Cityscapes-VPS").
#   python tools/test.py configs/uda/viper2cityscapes/vat-multilevel_deeplabv2-caffe_r101-d8_viper2cityscapes-vps.py \
#       CHECKPOINT [--format-vps DIR]
_base_ = [
    './vat-multilevel_deeplabv2-caffe_r101-d8_viper2cityscapes.py', '../../_base_/datasets/cityscapes_vps.py'
]
test_dataloader = {{_base_.cityscapes_vps_test_dataloader_15}}
test_evaluator = {{_base_.cityscapes_vps_evaluator}}
