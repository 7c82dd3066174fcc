namespace Acd.Sip;

/// <summary>Request methods known by name; anything else is <see cref="Unknown"/> (an extension method).</summary>
public enum SipMethod : byte
{
    /// <summary>An extension method; read its name from the message.</summary>
    Unknown = 0,
    Invite, Ack, Bye, Cancel, Options, Register, Prack, Subscribe, Notify, Publish, Info, Refer, Message, Update,
}

/// <summary>Method names (case-sensitive, RFC 3261 section 7.1).</summary>
public static class SipMethods
{
    /// <summary>Classifies a method token exactly (methods are case-sensitive).</summary>
    public static SipMethod Classify(ReadOnlySpan<byte> method) => method.Length switch
    {
        3 when method.SequenceEqual("ACK"u8) => SipMethod.Ack,
        3 when method.SequenceEqual("BYE"u8) => SipMethod.Bye,
        4 when method.SequenceEqual("INFO"u8) => SipMethod.Info,
        5 when method.SequenceEqual("PRACK"u8) => SipMethod.Prack,
        5 when method.SequenceEqual("REFER"u8) => SipMethod.Refer,
        6 when method.SequenceEqual("INVITE"u8) => SipMethod.Invite,
        6 when method.SequenceEqual("CANCEL"u8) => SipMethod.Cancel,
        6 when method.SequenceEqual("NOTIFY"u8) => SipMethod.Notify,
        6 when method.SequenceEqual("UPDATE"u8) => SipMethod.Update,
        7 when method.SequenceEqual("OPTIONS"u8) => SipMethod.Options,
        7 when method.SequenceEqual("PUBLISH"u8) => SipMethod.Publish,
        7 when method.SequenceEqual("MESSAGE"u8) => SipMethod.Message,
        8 when method.SequenceEqual("REGISTER"u8) => SipMethod.Register,
        9 when method.SequenceEqual("SUBSCRIBE"u8) => SipMethod.Subscribe,
        _ => SipMethod.Unknown,
    };

    /// <summary>The method name in upper case; empty for <see cref="SipMethod.Unknown"/>.</summary>
    public static ReadOnlySpan<byte> GetName(SipMethod method) => method switch
    {
        SipMethod.Invite => "INVITE"u8, SipMethod.Ack => "ACK"u8, SipMethod.Bye => "BYE"u8,
        SipMethod.Cancel => "CANCEL"u8, SipMethod.Options => "OPTIONS"u8, SipMethod.Register => "REGISTER"u8,
        SipMethod.Prack => "PRACK"u8, SipMethod.Subscribe => "SUBSCRIBE"u8, SipMethod.Notify => "NOTIFY"u8,
        SipMethod.Publish => "PUBLISH"u8, SipMethod.Info => "INFO"u8, SipMethod.Refer => "REFER"u8,
        SipMethod.Message => "MESSAGE"u8, SipMethod.Update => "UPDATE"u8, _ => default,
    };
}
