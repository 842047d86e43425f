using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace DragVideo;

/// <summary>The streaming twin of <see cref="IVideoDragEditor.EditAsync"/>.</summary>
public static class VideoDragEditorExtensions
{
    /// <summary>
    /// Runs the edit and yields every progress report in the order the editor made it (unlike
    /// <see cref="Progress{T}"/>, which posts reports to the thread pool where they can overtake each other). The last
    /// update carries the <see cref="EditUpdate.Result"/>, which the caller owns. Stopping the enumeration early cancels
    /// the edit and disposes its result.
    /// </summary>
    /// <param name="editor">the editor.</param>
    /// <param name="clip">the clip to edit (never modified).</param>
    /// <param name="request">the drag request.</param>
    /// <param name="cancellationToken">cancels the edit.</param>
    /// <exception cref="InvalidDragRequestException">the request does not fit the clip.</exception>
    /// <exception cref="OperationCanceledException">cancelled.</exception>
    public static async IAsyncEnumerable<EditUpdate> EditStreamingAsync(this IVideoDragEditor editor, VideoClip clip, DragRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(editor);
        ArgumentNullException.ThrowIfNull(clip);
        ArgumentNullException.ThrowIfNull(request);
        var channel = Channel.CreateUnbounded<EditProgress>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var edit = RunAsync(editor, clip, request, new ChannelProgress(channel.Writer), channel.Writer, linked.Token);
        EditResult? result = null;
        bool handedOver = false;
        try
        {
            // Hold each report back by one so the last one can carry the result.
            EditProgress? previous = null;
            await foreach (var report in channel.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                if (previous is not null) yield return new EditUpdate(previous);
                previous = report;
            }
            result = await edit.ConfigureAwait(false);
            handedOver = true;
            yield return new EditUpdate(previous ?? new EditProgress(EditStage.Completed, 1, 1), result);
        }
        finally
        {
            if (!handedOver)
            {
                // Abandoned or failed: stop the edit and free a result nobody will receive. A failure has already
                // surfaced from the await above, so it is not thrown a second time here.
                await linked.CancelAsync().ConfigureAwait(false);
                try { (await edit.ConfigureAwait(false)).Dispose(); }
                catch (Exception) { }
            }
        }
    }

    private static async Task<EditResult> RunAsync(IVideoDragEditor editor, VideoClip clip, DragRequest request, IProgress<EditProgress> progress,
        ChannelWriter<EditProgress> writer, CancellationToken cancellationToken)
    {
        try
        {
            return await editor.EditAsync(clip, request, progress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            writer.TryComplete();
        }
    }

    /// <summary>Writes each report synchronously, so the channel keeps the editor's order.</summary>
    private sealed class ChannelProgress(ChannelWriter<EditProgress> writer) : IProgress<EditProgress>
    {
        public void Report(EditProgress value) => writer.TryWrite(value);
    }
}
