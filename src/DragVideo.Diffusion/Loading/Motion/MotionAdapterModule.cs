using DragVideo.Diffusion.Modules.Motion;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Loading;

/// <summary>
/// The motion modules alone, named like diffusers' <c>MotionAdapter</c> (<c>down_blocks.i.motion_modules.j</c>,
/// <c>up_blocks.i.motion_modules.j</c>, <c>mid_block.motion_modules.0</c>). Used to check or strictly load an adapter
/// file without building the whole video U-Net; it has no forward of its own.
/// </summary>
internal sealed class MotionAdapterModule : nn.Module
{
    private readonly ModuleList<MotionAdapterBlock> down_blocks = new();
    private readonly ModuleList<MotionAdapterBlock> up_blocks = new();
    private readonly MotionAdapterBlock? mid_block;

    public MotionAdapterModule(MotionAdapterConfig config) : base("MotionAdapter")
    {
        ArgumentNullException.ThrowIfNull(config);
        var channels = config.BlockOutChannels;
        foreach (var c in channels)
            down_blocks.Add(new MotionAdapterBlock(c, config.MotionLayersPerBlock, config));
        foreach (var c in channels.Reverse())
            up_blocks.Add(new MotionAdapterBlock(c, config.MotionLayersPerBlock + 1, config));
        if (config.UseMotionMidBlock)
            mid_block = new MotionAdapterBlock(channels[^1], config.MotionMidBlockLayersPerBlock, config);
        RegisterComponents();
    }
}

/// <summary>One block's <c>motion_modules</c> list.</summary>
internal sealed class MotionAdapterBlock : nn.Module
{
    private readonly ModuleList<nn.Module> motion_modules = new();

    public MotionAdapterBlock(int channels, int count, MotionAdapterConfig config) : base(nameof(MotionAdapterBlock))
    {
        for (int i = 0; i < count; i++)
            motion_modules.Add(new TransformerTemporalModel(channels, config.MotionNumAttentionHeads, config.MotionNormNumGroups, config.MotionMaxSeqLength));
        RegisterComponents();
    }
}
