namespace ApiLed.Sagas.Flows;

/// <summary>What an answer of a system means to the step that asked.</summary>
public enum AnswerClass
{
    Success,
    BusinessFailure,
    Transient,
}
