# Source-only (VIPER) DeepLab-v2 R101, evaluated on Cityscapes-Seq val (15 classes).
_base_ = ['../_base_/viper2cityscapes_uda.py']
