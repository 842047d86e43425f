using DragVideo.Media;
using static TorchSharp.torch;

namespace DragVideo.ToyWorld.Training;

/// <summary>Writes contact-sheet rows <c>[3, h, W]</c> as one PNG: rows stacked with 4-pixel white gaps, staged then moved.</summary>
internal static class SheetFile
{
    public static void Write(IReadOnlyList<Tensor> rows, string outputPng, bool enlarge, CancellationToken ct)
    {
        using var scope = NewDisposeScope();
        var sheet = cat(rows.SelectMany((r, k) => k == 0 ? new[] { r } : new[] { ones(3, 4, r.shape[2]), r }).ToArray(), 1);
        if (enlarge)
            sheet = nn.functional.interpolate(sheet.unsqueeze(0), scale_factor: new[] { 2.0, 2.0 }, mode: InterpolationMode.Nearest)[0];
        string temp = outputPng + ".tmp.png";
        ImageFile.Write(sheet, temp, ct);
        File.Move(temp, outputPng, overwrite: true);
    }
}
