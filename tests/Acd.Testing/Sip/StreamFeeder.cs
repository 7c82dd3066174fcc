using System.Buffers;
using Acd.Sip;
using Acd.Sip.Framing;
using Acd.Testing.Buffers;

namespace Acd.Testing.Sip;

/// <summary>
/// Drives a <see cref="SipStreamFramer"/> the way a connection does: chunks arrive one by one, the unconsumed
/// buffer grows (as a multi-segment sequence) and the framer is called until it needs more data.
/// </summary>
public static class StreamFeeder
{
    /// <summary>One framer outcome with the frame bytes when it is a message.</summary>
    public readonly record struct Event(SipFrameStatus Status, byte[] Frame, SipParseError Error);

    /// <summary>Feeds <paramref name="chunks"/> and returns every outcome except NeedMoreData; a trailing wait is reported once at the end.</summary>
    public static List<Event> Feed(IEnumerable<byte[]> chunks, SipParserLimits limits, bool reportPongs = false)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        var framer = new SipStreamFramer(limits, reportPongs);
        var received = new GrowingSequence();
        var events = new List<Event>();
        foreach (var chunk in chunks)
        {
            received.Append(chunk);
            var buffer = received.Current;
            while (true)
            {
                var status = framer.TryReadFrame(ref buffer, out var frame, out var error);
                if (status == SipFrameStatus.NeedMoreData)
                {
                    break;
                }

                events.Add(new Event(status, status == SipFrameStatus.Message ? frame.ToArray() : [], error));
                if (status == SipFrameStatus.Error)
                {
                    return events;
                }
            }

            received.ConsumeTo(buffer.Start);
        }

        if (!received.Current.IsEmpty)
        {
            events.Add(new Event(SipFrameStatus.NeedMoreData, [], default));
        }

        return events;
    }
}
