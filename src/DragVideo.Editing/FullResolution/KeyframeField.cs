using DragVideo.Editing.Fast;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragVideo.Editing.FullResolution;

/// <summary>
/// The edit of one working key frame as a dense field at working resolution, float <c>[C, h, w]</c> on the CPU:
/// channels 0–1 the backward displacement (x, y) in working pixels, already multiplied by the blend weight (output pixel
/// p takes its colour from the source at <c>p + d(p)</c>); channel 2 the blend weight in [0, 1] (0 = outside the editable
/// region: the source pixel passes through); channels 3–5, when present, the RGB appearance residual in [−1, 1] added
/// after warping (the part of a diffusion edit that motion cannot explain). The field owns its tensor.
/// </summary>
internal sealed class KeyframeField : IDisposable
{
    /// <summary>Channel count without / with the appearance residual.</summary>
    public const int MotionChannels = 3, ResidualChannels = 6;

    public KeyframeField(int sourceIndex, Tensor data, DragPoint? anchor)
    {
        if (data.dim() != 3 || (data.shape[0] != MotionChannels && data.shape[0] != ResidualChannels))
            throw new ArgumentException($"a key-frame field is [3 or 6, h, w]; got [{string.Join(", ", data.shape)}].", nameof(data));
        SourceIndex = sourceIndex;
        Data = data;
        Anchor = anchor;
    }

    /// <summary>Index of the source frame this key frame is.</summary>
    public int SourceIndex { get; }

    /// <summary>The field, float <c>[3 or 6, h, w]</c>.</summary>
    public Tensor Data { get; }

    /// <summary>True when the field carries an appearance residual (channels 3–5).</summary>
    public bool HasResidual => Data.shape[0] == ResidualChannels;

    /// <summary>
    /// Where the dragged content is on this key frame (mean of the visible pairs' handle/target midpoints, working
    /// pixels); the field travels with it between key frames. Null when no pair is visible.
    /// </summary>
    public DragPoint? Anchor { get; }

    /// <summary>
    /// The fast backend's field: the MLS backward warp it applies to the frame (<see cref="DragWarpField.BuildGrid"/>),
    /// expressed as a displacement, with its blend weight.
    /// </summary>
    public static KeyframeField FromWarp(int sourceIndex, FrameInstruction instruction, int width, int height, FastWarpOptions options)
    {
        using var scope = NewDisposeScope();
        Tensor data;
        if (instruction.Pairs.Count == 0)
        {
            data = torch.zeros(MotionChannels, height, width);
        }
        else
        {
            var (grid, weight) = DragWarpField.BuildGrid(instruction, width, height, options, CPU);
            // grid (align_corners = true) → source pixel → displacement from the output pixel.
            var gx = torch.arange(width, dtype: ScalarType.Float32).reshape(1, width);
            var gy = torch.arange(height, dtype: ScalarType.Float32).reshape(height, 1);
            var dx = (grid[0, TensorIndex.Ellipsis, 0] + 1f) * ((width - 1) / 2f) - gx;
            var dy = (grid[0, TensorIndex.Ellipsis, 1] + 1f) * ((height - 1) / 2f) - gy;
            if (width == 1) dx = torch.zeros_like(dx);
            if (height == 1) dy = torch.zeros_like(dy);
            // Outside the mask the warp is the identity; clear the float noise of the round trip there.
            var inside = weight.gt(0);
            dx = torch.where(inside, dx, torch.zeros_like(dx));
            dy = torch.where(inside, dy, torch.zeros_like(dy));
            data = torch.stack(new[] { dx, dy, weight }, 0);
        }
        return new KeyframeField(sourceIndex, data.contiguous().MoveToOuterDisposeScope(), AnchorOf(instruction));
    }

    /// <summary>
    /// A field from an edited key frame (any backend, e.g. the diffusion editor): the optical flow from the edited frame
    /// back to the original frame (<c>edited(p) ≈ original(p + flow(p))</c>) inside the editable region, faded over the
    /// mask's inner edge like the fast warp, plus the residual <c>edited − original(p + d(p))</c> that the motion does not
    /// explain (new or changed appearance), weighted the same way.
    /// </summary>
    /// <param name="sourceIndex">the key frame's source index.</param>
    /// <param name="original">the original working frame, float <c>[3, h, w]</c> in [0, 1].</param>
    /// <param name="edited">the edited working frame, same shape.</param>
    /// <param name="instruction">the frame's instruction (its mask bounds the field).</param>
    /// <param name="flow">the optical flow estimator.</param>
    /// <param name="featherRadius">pixels over which the field fades inside the mask edge.</param>
    public static KeyframeField FromEdit(int sourceIndex, Tensor original, Tensor edited, FrameInstruction instruction, IOpticalFlow flow, int featherRadius)
    {
        using var scope = NewDisposeScope();
        int h = (int)original.shape[1], w = (int)original.shape[2];
        var weight = DragWarpField.BlendWeight(instruction.Mask, featherRadius, CPU);
        var f = flow.Compute(edited.to(CPU), original.to(CPU)).to_type(ScalarType.Float32);
        var disp = f * weight.unsqueeze(0);
        var warped = Sample(original.to(CPU).unsqueeze(0), disp, w, h)[0];
        var residual = (edited.to(CPU) - warped) * weight.unsqueeze(0);
        var data = torch.cat(new[] { disp, weight.unsqueeze(0), residual }, 0).contiguous();
        return new KeyframeField(sourceIndex, data.MoveToOuterDisposeScope(), AnchorOf(instruction));
    }

    /// <summary>Samples <paramref name="image"/> <c>[1, C, h, w]</c> at <c>p + disp(p)</c> (bilinear, border).</summary>
    internal static Tensor Sample(Tensor image, Tensor disp, int w, int h)
    {
        using var scope = NewDisposeScope();
        var gx = torch.arange(w, dtype: ScalarType.Float32).reshape(1, w) + disp[0];
        var gy = torch.arange(h, dtype: ScalarType.Float32).reshape(h, 1) + disp[1];
        var grid = torch.stack(new[] { Normalize(gx, w), Normalize(gy, h) }, 2).unsqueeze(0);
        return F.grid_sample(image, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: true).MoveToOuterDisposeScope();
    }

    /// <summary>Pixel coordinate → grid_sample coordinate (align_corners = true).</summary>
    internal static Tensor Normalize(Tensor coordinate, int size) =>
        size > 1 ? coordinate * (2f / (size - 1)) - 1f : torch.zeros_like(coordinate);

    private static DragPoint? AnchorOf(FrameInstruction instruction)
    {
        float sx = 0, sy = 0;
        int n = 0;
        for (int i = 0; i < instruction.Pairs.Count; i++)
        {
            if (i < instruction.Visible.Count && !instruction.Visible[i]) continue;
            var p = instruction.Pairs[i];
            sx += (p.Handle.X + p.Target.X) / 2;
            sy += (p.Handle.Y + p.Target.Y) / 2;
            n++;
        }
        return n == 0 ? null : new DragPoint(sx / n, sy / n);
    }

    /// <inheritdoc />
    public void Dispose() => Data.Dispose();
}
