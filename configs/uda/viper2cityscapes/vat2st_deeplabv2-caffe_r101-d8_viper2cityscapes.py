# Image self-training (single-frame class-balanced pseudo labels) from the VAT start.
_base_ = ['./vat2vst_deeplabv2-caffe_r101-d8_viper2cityscapes.py']
model = dict(num_frames=1, consistency=False)
train_dataloader = dict(dataset=dict(
    target=dict(frame_offsets=[0], load_flow=False)))
pseudo_label_dataloader = dict(dataset=dict(frame_offsets=[0], load_flow=False))
