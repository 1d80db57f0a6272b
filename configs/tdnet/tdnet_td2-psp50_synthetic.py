# TD2-PSP50 on the synthetic benchmark: two paths, each a half-width dilated
# ResNet-50 with a PSP encoder to a 256-channel sub-feature; 2-frame clips.
_base_ = './tdnet_td4-psp18_synthetic.py'
num_paths = 2
sub_channels = 256
model = dict(
    num_paths=num_paths,
    sub_network=dict(
        backbone=dict(depth=50), in_channels=1024, channels=128,
        out_channels=sub_channels),
    apm=dict(num_paths=num_paths, in_channels=sub_channels),
    decode_head=dict(in_channels=num_paths * sub_channels))
train_dataloader = dict(dataset=dict(frame_offsets=[0, -1]))
