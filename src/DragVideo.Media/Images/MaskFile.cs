namespace DragVideo.Media;

/// <summary>Reads and writes editable-region masks as grey images (white = inside).</summary>
public static class MaskFile
{
    /// <summary>
    /// Reads a mask image. PNG files go through the same decoder as drag-request JSON masks: a pixel is inside when its
    /// largest colour channel is at least <paramref name="threshold"/> of full scale (default one half) and it is not
    /// transparent. Other formats are decoded by ffmpeg and compared by luma.
    /// </summary>
    /// <exception cref="FileNotFoundException">the file does not exist.</exception>
    /// <exception cref="InvalidMediaException">the file is empty, corrupt or not an image.</exception>
    /// <exception cref="MemoryBudgetExceededException">the file is over <see cref="ImageFile.MaxImageFileBytes"/> or the
    /// image over <see cref="ImageFile.MaxImagePixelBytes"/> (refused before decoding).</exception>
    public static BinaryMask Read(string path, float threshold = 0.5f, CancellationToken cancellationToken = default)
    {
        if (!(threshold > 0 && threshold <= 1)) throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "threshold must be in (0, 1].");
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"mask file '{path}' does not exist.", path);
        var head = new byte[8];
        using (var stream = File.OpenRead(path)) head = head[..stream.Read(head)];
        if (PngMaskDecoder.IsPng(head))
        {
            try { return PngMaskDecoder.Decode(File.ReadAllBytes(path), "mask", threshold); }
            catch (InvalidDragRequestException e) { throw new InvalidMediaException($"'{path}': {e.Message}", path, e); }
        }
        var (bytes, w, h) = ImageFile.Decode(path, "gray", 1, cancellationToken);
        float cut = threshold * 255f;
        var values = new bool[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) values[i] = bytes[i] >= cut;
        return new BinaryMask(w, h, values);
    }

    /// <summary>Writes the mask as a lossless 8-bit grey PNG (255 inside, 0 outside) via a temporary file.</summary>
    /// <exception cref="ArgumentException">the path does not end in .png.</exception>
    /// <exception cref="IOException">ffmpeg failed.</exception>
    public static void Write(BinaryMask mask, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException("masks are written as PNG (lossless); use a .png path.", nameof(path));
        var bytes = new byte[mask.Width * mask.Height];
        var v = mask.Values;
        for (int i = 0; i < bytes.Length; i++) bytes[i] = v[i] ? (byte)255 : (byte)0;
        ImageFile.WriteRaw(bytes, mask.Width, mask.Height, "gray", path, new[] { "-c:v", "png", "-pix_fmt", "gray" }, cancellationToken);
    }
}
