# VST alone, from the source-only checkpoint.
_base_ = ['./vat2vst_deeplabv2-caffe_r101-d8_viper2cityscapes.py']
load_from = 'work_dirs/source-only_deeplabv2-caffe_r101-d8_viper2cityscapes/iter_120000.pth'
