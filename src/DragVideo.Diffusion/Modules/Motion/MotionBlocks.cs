using DragVideo.Diffusion.Modules.Unet;

namespace DragVideo.Diffusion.Modules.Motion;

/// <summary>
/// diffusers <c>CrossAttnDownBlockMotion</c>: <see cref="CrossAttnDownBlock2D"/> with a motion module after each
/// resnet + transformer (keys <c>motion_modules.i.*</c>).
/// </summary>
internal sealed class CrossAttnDownBlockMotion : CrossAttnDownBlock2D
{
    /// <summary>Creates the block.</summary>
    public CrossAttnDownBlockMotion(string path, int inChannels, int outChannels, int numLayers, bool addDownsample, int downsamplePadding,
        UNetBlockSettings s, MotionModuleOptions motion)
        : base(path, inChannels, outChannels, numLayers, addDownsample, downsamplePadding, s, motion) { }
}

/// <summary>diffusers <c>DownBlockMotion</c>: <see cref="DownBlock2D"/> with a motion module after each resnet.</summary>
internal sealed class DownBlockMotion : DownBlock2D
{
    /// <summary>Creates the block.</summary>
    public DownBlockMotion(string path, int inChannels, int outChannels, int numLayers, bool addDownsample, int downsamplePadding,
        UNetBlockSettings s, MotionModuleOptions motion)
        : base(path, inChannels, outChannels, numLayers, addDownsample, downsamplePadding, s, motion) { }
}

/// <summary>
/// diffusers <c>UNetMidBlockCrossAttnMotion</c>: <see cref="UNetMidBlock2DCrossAttn"/> with a motion module between each
/// transformer and the following resnet.
/// </summary>
internal sealed class UNetMidBlockCrossAttnMotion : UNetMidBlock2DCrossAttn
{
    /// <summary>Creates the block.</summary>
    public UNetMidBlockCrossAttnMotion(string path, int channels, UNetBlockSettings s, MotionModuleOptions motion, int numLayers = 1)
        : base(path, channels, s, numLayers, motion) { }
}

/// <summary>diffusers <c>CrossAttnUpBlockMotion</c>: <see cref="CrossAttnUpBlock2D"/> with a motion module after each resnet + transformer.</summary>
internal sealed class CrossAttnUpBlockMotion : CrossAttnUpBlock2D
{
    /// <summary>Creates the block.</summary>
    public CrossAttnUpBlockMotion(string path, int inChannels, int prevOutputChannels, int outChannels, int numLayers, bool addUpsample,
        UNetBlockSettings s, MotionModuleOptions motion)
        : base(path, inChannels, prevOutputChannels, outChannels, numLayers, addUpsample, s, motion) { }
}

/// <summary>
/// diffusers <c>UpBlockMotion</c>: <see cref="UpBlock2D"/> with a motion module after each resnet. In diffusers v0.25.1 its
/// motion modules use <c>temporal_norm_num_groups</c>, which <c>get_up_block</c> never passes, so they always normalise
/// with 32 groups whatever the U-Net's <c>norm_num_groups</c>; the U-Net builder reproduces that.
/// </summary>
internal sealed class UpBlockMotion : UpBlock2D
{
    /// <summary>Creates the block.</summary>
    public UpBlockMotion(string path, int inChannels, int prevOutputChannels, int outChannels, int numLayers, bool addUpsample,
        UNetBlockSettings s, MotionModuleOptions motion)
        : base(path, inChannels, prevOutputChannels, outChannels, numLayers, addUpsample, s, motion) { }
}
