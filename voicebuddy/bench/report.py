"""The bench's figures as a table for people (the JSON is the same data)."""

from __future__ import annotations

from typing import Any

from voicebuddy.bench import end_of_turn

_STAGE_NAMES = {
    "capture_stop": "recording handed over",
    "stt": "speech-to-text",
    "llm_first_token": "LLM first token",
    "first_sentence": "first sentence complete",
    "tts_synth_start": "TTS synthesis starts",
    "tts_synth_end": "TTS synthesis ends",
    "audio_handed": "audio handed to output",
}


def _ms(value: Any) -> str:
    return "-" if value is None else f"{value:,.0f} ms"


def _pressing_lines(pressing: dict[str, Any]) -> list[str]:
    lines = [
        f"Real pressing ({pressing['presses']} presses, lead 0.2-0.6 s, tail 0.2-1.2 s)",
        f"  mean word error rate {pressing['mean_wer']:.2f}   turns lost {pressing['turns_lost']}"
        f"   words lost: {pressing['words_lost_at_start']} at the start, "
        f"{pressing['words_lost_at_end']} at the end",
        f"  speech-to-text p50 {_ms(pressing['stt_ms_p50'])}   p99 {_ms(pressing['stt_ms_p99'])}"
        f"   loops caught {pressing['loops_caught']}, left {pressing['loops_left']}",
    ]
    plain = pressing.get("plain_push_to_talk")
    if plain:
        lines.append(
            f"  plain push-to-talk: pressed {_ms(plain['pressed_ms_p50'])}, handed over whole "
            f"{_ms(plain['direct_ms_p50'])} (ratio {plain['ratio']:.3f}, {plain['pairs']} pairs)"
        )
    return lines


def _push_to_talk_lines(figures: dict[str, Any]) -> list[str]:
    if not figures:
        return []
    lines = [
        "Push-to-talk transcribed while the key is held (speech-to-text after the release)",
        f"  pressed as above     {_ms(figures['stt_after_release_ms'])} vs "
        f"{_ms(figures['stt_whole_ms'])} transcribed whole (ratio {figures['ratio']:.3f}); "
        f"word error rate {figures['wer_incremental']:.3f} vs {figures['wer_whole']:.3f}",
    ]
    last = figures.get("released_as_the_clip_ends")
    if last:
        lines.append(
            f"  released as the clip ends {_ms(last['stt_after_release_ms'])} vs "
            f"{_ms(last['stt_whole_ms'])} (ratio {last['ratio']:.3f})"
        )
    return lines


def _tok(speed: object) -> str:
    return f"{speed:.0f} tok/s" if isinstance(speed, int | float) else "-"


def _engine_lines(rows: list[dict[str, Any]]) -> list[str]:
    lines = []
    for row in rows:
        if "error" in row:
            lines.append(f"  {row['voice']}: {row['error']}")
        else:
            lines.append(
                f"  {row['engine']:<36} first audio {_ms(row['median_ms'])}, "
                f"real-time factor {row['real_time_factor']:.3f}"
            )
    return lines


def _memory_lines(memory: dict[str, Any]) -> list[str]:
    on, off = memory["on"], memory["off"]
    ratio, first = memory["ratio_on_over_off"], memory.get("first_token_ratio_on_over_off")
    return [
        f"  memory on: p50 {_ms(on['p50'])}, off: p50 {_ms(off['p50'])}; on / off = "
        + ("-" if ratio is None else f"{ratio:.3f}")
        + ("" if first is None else f", first token {first:.3f}")
        + f" ({on['turns']} + {off['turns']} turns, alternating; key up "
        + f"{memory.get('release', 'as the clip ends')})",
        f"    a memory note in {memory['notes_inserted']} of {on['turns']} prompts "
        f"(p50 {on['memory_note_tokens_p50'] or 0:.0f} tokens, {memory['memories_seeded']} "
        f"memories); prompt tokens read after the release p50 "
        f"{on['prompt_tokens_read_p50'] or 0:.0f} on, {off['prompt_tokens_read_p50'] or 0:.0f} off",
    ]


def render(data: dict[str, Any]) -> str:
    machine, v2v = data["machine"], data["voice_to_voice_ms"]
    lines = [
        f"VoiceBuddy bench · {machine['cpu']} ({machine['cores']} cores) · {machine['os']}",
        f"models: {data['models']['llm']['path']} · whisper {data['models']['stt']['name']} · "
        f"voice {data['models']['tts_voice']}",
        "",
        "Voice-to-voice (end of speech → first reply audio handed to the output)",
        f"  p50 {_ms(v2v['p50'])}   p90 {_ms(v2v['p90'])}   over {v2v['turns']} turns"
        f"   (cold first turn {_ms(v2v['cold'])})",
    ]
    if v2v.get("transcript_wer_mean") is not None:
        lines.append(f"  transcripts: mean word error rate {v2v['transcript_wer_mean']:.2f}")
    long = v2v.get("long_utterance")
    if long:
        latency = _ms(long["voice_to_voice_ms"])
        lines.append(f"  {long['clip']} ({long['audio_s']:.0f} s of speech): {latency}")
    others = data.get("voice_to_voice_other_voices", {})
    if others:
        lines.append(f"  chat model while speaking: {_tok(v2v.get('llm_tokens_per_s'))}")
    for other in others.values():
        threads = f", {other['threads']} threads" if other["voice"].startswith("piper") else ""
        lines.append(
            f"  with {other['voice']}{threads}: p50 {_ms(other['p50'])}, p90 {_ms(other['p90'])}"
            f", chat {_tok(other.get('llm_tokens_per_s'))}; in use / this = "
            f"{other['ratio_in_use_over_this'] or 0:.3f}"
        )
    for key in ("voice_to_voice_memory", "voice_to_voice_memory_as_people_press"):
        if data.get(key):
            lines += _memory_lines(data[key])
    pressing = data.get("real_pressing")
    if pressing:
        lines += ["", *_pressing_lines(pressing)]
    if data.get("push_to_talk"):
        lines += ["", *_push_to_talk_lines(data["push_to_talk"])]
    if data.get("handsfree"):
        lines += ["", *end_of_turn.render(data["handsfree"])]
    lines += ["", "  Where a turn's time goes (medians)        reached at      took"]
    for name, stage in v2v["stages"].items():
        label = _STAGE_NAMES.get(name, name)
        lines.append(f"    {label:<38} {_ms(stage['at_ms']):>10} {_ms(stage['took_ms']):>9}")
    llm, stt = data["llm_overhead"], data["stt_overhead"]
    lines += [
        "",
        "Engine overhead (VoiceBuddy time / raw library time for the same work; 1.00 = none)",
    ]
    for name, clip in stt.items():
        lines.append(
            f"  STT, {clip['audio_s']:.1f} s {name}".ljust(34)
            + f"{clip['ratio']:.3f}   VoiceBuddy {_ms(clip['voicebuddy_ms'])}, "
            f"raw {_ms(clip['raw_ms'])}, {clip['pairs']} pairs"
        )
    ratios = data["llm_overhead_ratio"]
    for what, key in (("prompt", "prompt_tokens_per_s"), ("generation", "generation_tokens_per_s")):
        lines.append(
            f"  LLM {what}".ljust(34)
            + f"{ratios[what]:.3f}   VoiceBuddy {llm['voicebuddy'][key]:.0f} tok/s, "
            f"raw {llm['raw'][key]:.0f} tok/s, {llm['pairs']} pairs"
        )
    startup = data["startup_ms"]
    lines += [
        f"  (LLM: {llm['prompt_tokens']} prompt tokens, {llm['completion_tokens']} generated, "
        f"same output both ways: {'yes' if llm['same_output'] else 'no'})",
        "",
        f"TTS first audio       {_ms(data['tts_first_audio_ms'])} (one sentence, median)",
        *_engine_lines(data.get("tts_engines", [])),
        f"Peak RSS              {data['peak_rss_mb']:,.0f} MB (after the voice turns)",
        f"Start-up              window {_ms(startup['window'])}, ready {_ms(startup['ready'])} "
        f"(median of {startup['launches']}; {startup['clock']})",
    ]
    lines += [f"note: {note}" for note in data["notes"]]
    return "\n".join(lines)
