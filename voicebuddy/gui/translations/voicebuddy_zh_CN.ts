<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>Bubble</name>
    <message>
        <source>Thoughts</source>
        <translation>思考过程</translation>
    </message>
    <message>
        <source>What the model thought before it answered</source>
        <translation>模型在回答之前的思考</translation>
    </message>
    <message>
        <source>%1 message</source>
        <translation>%1 的消息</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Copy this message to the clipboard</source>
        <translation>将此消息复制到剪贴板</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>编辑</translation>
    </message>
    <message>
        <source>Edit this message</source>
        <translation>编辑此消息</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Delete this message</source>
        <translation>删除此消息</translation>
    </message>
    <message>
        <source>— interrupted</source>
        <translation>— 已中断</translation>
    </message>
</context>
<context>
    <name>CharacterPicker</name>
    <message>
        <source>Character cards (*.png *.json *.charx *.yaml *.yml)</source>
        <translation>角色卡 (*.png *.json *.charx *.yaml *.yml)</translation>
    </message>
    <message>
        <source>PNG card (*.png)</source>
        <translation>PNG 角色卡 (*.png)</translation>
    </message>
    <message>
        <source>JSON card V3 (*.json)</source>
        <translation>JSON 角色卡 V3 (*.json)</translation>
    </message>
    <message>
        <source>Choose a character</source>
        <translation>选择角色</translation>
    </message>
    <message>
        <source>Pick the character to talk to. Double-click or press Enter.</source>
        <translation>选择要与之对话的角色。双击或按 Enter 确认。</translation>
    </message>
    <message>
        <source>About the selected character.</source>
        <translation>所选角色的简介。</translation>
    </message>
    <message>
        <source>&amp;Import…</source>
        <translation>导入(&amp;I)…</translation>
    </message>
    <message>
        <source>Add character cards (PNG, CHARX, JSON or YAML) to your characters (%1). You can also drop card files onto this window.</source>
        <translation>将角色卡（PNG、CHARX、JSON 或 YAML）添加到你的角色中（%1）。也可以把角色卡文件拖放到此窗口。</translation>
    </message>
    <message>
        <source>&amp;Export…</source>
        <translation>导出(&amp;E)…</translation>
    </message>
    <message>
        <source>Save the selected character as a PNG or JSON character card (%1).</source>
        <translation>将所选角色保存为 PNG 或 JSON 角色卡（%1）。</translation>
    </message>
    <message>
        <source>Import failed</source>
        <translation>导入失败</translation>
    </message>
    <message>
        <source>Could not import %1: %2.</source>
        <translation>无法导入 %1：%2。</translation>
    </message>
    <message>
        <source>%1 is already imported: nothing changed.</source>
        <translation>%1 已经导入过了，没有任何更改。</translation>
    </message>
    <message>
        <source>Imported %1 as %2: another card named %1 is already there.</source>
        <translation>已将 %1 导入为 %2：已有另一张名为 %1 的角色卡。</translation>
    </message>
    <message>
        <source>Imported %1.</source>
        <translation>已导入 %1。</translation>
    </message>
    <message numerus="yes">
        <source>Imported %n characters.</source>
        <translation>
            <numerusform>已导入 %n 个角色。</numerusform>
        </translation>
    </message>
    <message>
        <source>Import character cards</source>
        <translation>导入角色卡</translation>
    </message>
    <message>
        <source>Export character</source>
        <translation>导出角色</translation>
    </message>
    <message>
        <source>Export failed</source>
        <translation>导出失败</translation>
    </message>
    <message>
        <source>Exported to %1</source>
        <translation>已导出到 %1</translation>
    </message>
    <message>
        <source>No characters found.</source>
        <translation>没有找到角色。</translation>
    </message>
    <message>
        <source>Personality:</source>
        <translation>性格：</translation>
    </message>
    <message>
        <source>Greeting:</source>
        <translation>开场白：</translation>
    </message>
</context>
<context>
    <name>ConversationView</name>
    <message>
        <source>User</source>
        <translation>用户</translation>
    </message>
    <message>
        <source>Character</source>
        <translation>角色</translation>
    </message>
</context>
<context>
    <name>DictateAnywhere</name>
    <message>
        <source>This desktop lets no application type into another: the words are on the clipboard, paste them yourself (installing wtype or ydotool helps).</source>
        <translation>这个桌面不允许一个程序向另一个程序输入文字：文字已经在剪贴板上，请你自己粘贴（安装 wtype 或 ydotool 会有帮助）。</translation>
    </message>
</context>
<context>
    <name>DictationPanel</name>
    <message>
        <source>Detect</source>
        <translation>自动检测</translation>
    </message>
    <message>
        <source>The language you speak; Detect finds it</source>
        <translation>您说的语言；“自动检测”会自己识别</translation>
    </message>
    <message>
        <source>Simplified</source>
        <translation>简体</translation>
    </message>
    <message>
        <source>Traditional</source>
        <translation>繁体</translation>
    </message>
    <message>
        <source>As heard</source>
        <translation>按识别结果</translation>
    </message>
    <message>
        <source>How Chinese is written</source>
        <translation>中文的书写方式</translation>
    </message>
    <message>
        <source>Words to spell right, comma separated</source>
        <translation>需要写对的词，用逗号分隔</translation>
    </message>
    <message>
        <source>Names and terms whisper should know, e.g. Kubernetes, VoiceBuddy, 林晓</source>
        <translation>whisper 应该认识的名字和术语，例如 Kubernetes、VoiceBuddy、林晓</translation>
    </message>
    <message>
        <source>Clean up with the chat model</source>
        <translation>用对话模型整理文字</translation>
    </message>
    <message>
        <source>Fix punctuation and drop filler words; your words are never replaced</source>
        <translation>修正标点并去掉口头禅；绝不替换您说的词</translation>
    </message>
    <message>
        <source>Press Start and speak, or drop audio files here to transcribe them.</source>
        <translation>按“开始”后说话，或把音频文件拖到这里进行转写。</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Copy the text (%1)</source>
        <translation>复制文字（%1）</translation>
    </message>
    <message>
        <source>Save as…</source>
        <translation>另存为…</translation>
    </message>
    <message>
        <source>Save as text, SRT, WebVTT or JSON (%1)</source>
        <translation>保存为文本、SRT、WebVTT 或 JSON（%1）</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清空</translation>
    </message>
    <message>
        <source>Transcribe file…</source>
        <translation>转写文件…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Language:</source>
        <translation>语言：</translation>
    </message>
    <message>
        <source>Chinese:</source>
        <translation>中文：</translation>
    </message>
    <message>
        <source>Vocabulary:</source>
        <translation>词汇表：</translation>
    </message>
</context>
<context>
    <name>DictationWindow</name>
    <message>
        <source>Dictation — VoiceBuddy</source>
        <translation>听写 — VoiceBuddy</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;Transcribe file…</source>
        <translation>转写文件(&amp;T)…</translation>
    </message>
    <message>
        <source>&amp;Save as…</source>
        <translation>另存为(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;Close</source>
        <translation>关闭(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Copy text</source>
        <translation>复制文字(&amp;C)</translation>
    </message>
    <message>
        <source>C&amp;lear</source>
        <translation>清空(&amp;L)</translation>
    </message>
    <message>
        <source>Loading the speech model…</source>
        <translation>正在加载语音模型…</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <source>No speech model</source>
        <translation>没有语音模型</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Start  (%1)</source>
        <translation>开始（%1）</translation>
    </message>
    <message>
        <source>Start or stop dictation; hold %1 to dictate while it is held</source>
        <translation>开始或停止听写；按住 %1 时只在按住期间听写</translation>
    </message>
    <message>
        <source>Starting the microphone…</source>
        <translation>正在打开麦克风…</translation>
    </message>
    <message>
        <source>Finishing…</source>
        <translation>正在收尾…</translation>
    </message>
    <message>
        <source>Listening… speak now</source>
        <translation>正在听… 请说话</translation>
    </message>
    <message>
        <source>Clean-up not used: %1.</source>
        <translation>未使用整理结果：%1。</translation>
    </message>
    <message>
        <source>Transcribe audio files</source>
        <translation>转写音频文件</translation>
    </message>
    <message>
        <source>Audio (%1);;All files (*)</source>
        <translation>音频 (%1);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Transcribing %1…</source>
        <translation>正在转写 %1…</translation>
    </message>
    <message>
        <source>Transcribed %1.</source>
        <translation>已转写 %1。</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>Copied to the clipboard.</source>
        <translation>已复制到剪贴板。</translation>
    </message>
    <message>
        <source>Text (*.txt)</source>
        <translation>文本 (*.txt)</translation>
    </message>
    <message>
        <source>SubRip subtitles (*.srt)</source>
        <translation>SubRip 字幕 (*.srt)</translation>
    </message>
    <message>
        <source>WebVTT subtitles (*.vtt)</source>
        <translation>WebVTT 字幕 (*.vtt)</translation>
    </message>
    <message>
        <source>JSON with timestamps (*.json)</source>
        <translation>带时间戳的 JSON (*.json)</translation>
    </message>
    <message>
        <source>Save the transcript</source>
        <translation>保存转写结果</translation>
    </message>
    <message>
        <source>Save failed</source>
        <translation>保存失败</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
</context>
<context>
    <name>GlobalKeysTab</name>
    <message>
        <source>Paste (your clipboard is put back)</source>
        <translation>粘贴（之后恢复你的剪贴板）</translation>
    </message>
    <message>
        <source>Type key by key</source>
        <translation>逐键输入</translation>
    </message>
    <message>
        <source>Show a small &amp;panel while a key is in use</source>
        <translation>按键使用时显示一个小面板(&amp;P)</translation>
    </message>
    <message>
        <source>Keys that work in every application</source>
        <translation>在任何程序中都有效的按键</translation>
    </message>
    <message>
        <source>&amp;Talk to the character:</source>
        <translation>与角色对话(&amp;T)：</translation>
    </message>
    <message>
        <source>Hold it (or press it twice, in toggle mode) in any application to talk.</source>
        <translation>在任何程序中按住它（切换模式下按两次）即可说话。</translation>
    </message>
    <message>
        <source>&amp;Dictate into the application:</source>
        <translation>听写到当前程序(&amp;D)：</translation>
    </message>
    <message>
        <source>Speak while it is held: the words are put where the cursor is.</source>
        <translation>按住时说话：文字会放到光标所在的位置。</translation>
    </message>
    <message>
        <source>&amp;Stop the reply:</source>
        <translation>停止回复(&amp;S)：</translation>
    </message>
    <message>
        <source>Stops speaking at once.</source>
        <translation>立即停止朗读。</translation>
    </message>
    <message>
        <source>&amp;Insert dictated text by:</source>
        <translation>听写文字的输入方式(&amp;I)：</translation>
    </message>
    <message>
        <source>Pasting is fastest; typing works in applications that block pasting. The dictation settings (vocabulary, language, Chinese script, clean-up) apply.</source>
        <translation>粘贴最快；在禁止粘贴的程序里可以用逐键输入。听写设置（词汇表、语言、中文书写、整理）同样适用。</translation>
    </message>
    <message>
        <source>It shows listening, transcribing or the reply&apos;s progress, and the level.</source>
        <translation>它会显示正在听、正在转写或回复的进度，以及音量。</translation>
    </message>
    <message>
        <source>Hold</source>
        <translation>按住</translation>
    </message>
    <message>
        <source>Toggle</source>
        <translation>切换</translation>
    </message>
    <message>
        <source>Hold: while the key is down. Toggle: press to start and stop.</source>
        <translation>按住：按键按下期间有效。切换：按一次开始，再按一次停止。</translation>
    </message>
    <message>
        <source>These keys are taken from the whole desktop (X11): the application with the focus does not see them.</source>
        <translation>这些按键从整个桌面（X11）截取：焦点所在的程序不会收到它们。</translation>
    </message>
    <message>
        <source>On Wayland the desktop binds these keys through its GlobalShortcuts portal and may ask you to confirm them. Where it has none, its keyboard settings can run these commands instead: %1.</source>
        <translation>在 Wayland 上，桌面会通过它的 GlobalShortcuts 门户绑定这些按键，并可能请你确认。如果桌面没有这个门户，可以改在它的键盘设置中运行这些命令：%1。</translation>
    </message>
    <message>
        <source>VoiceBuddy watches for these keys in every application, which sees them too. On macOS, allow VoiceBuddy under Privacy &amp; Security &gt; Accessibility and Input Monitoring.</source>
        <translation>VoiceBuddy 会在每个程序中留意这些按键，这些程序也会收到它们。在 macOS 上，请在“隐私与安全性 &gt; 辅助功能”和“输入监控”中允许 VoiceBuddy。</translation>
    </message>
    <message>
        <source>Global keys do not work here: %1 Your desktop&apos;s keyboard settings can run these commands instead: %2.</source>
        <translation>全局按键在这里无法使用：%1 你可以改在桌面的键盘设置中运行这些命令：%2。</translation>
    </message>
    <message>
        <source>%1 is given two jobs.</source>
        <translation>%1 被分配了两个功能。</translation>
    </message>
</context>
<context>
    <name>HistoryDialog</name>
    <message>
        <source>Markdown (*.md)</source>
        <translation>Markdown 文件 (*.md)</translation>
    </message>
    <message>
        <source>JSON (*.json)</source>
        <translation>JSON 文件 (*.json)</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Character</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>Last updated</source>
        <translation>最后更新</translation>
    </message>
    <message>
        <source>Messages</source>
        <translation>消息数</translation>
    </message>
    <message>
        <source>Conversation history</source>
        <translation>对话历史</translation>
    </message>
    <message>
        <source>Filter by title or character…</source>
        <translation>按标题或角色筛选…</translation>
    </message>
    <message>
        <source>Show only conversations whose title or character contains this.</source>
        <translation>只显示标题或角色中包含此内容的对话。</translation>
    </message>
    <message>
        <source>Double-click a conversation (or press Enter) to open it.</source>
        <translation>双击对话（或按 Enter）即可打开。</translation>
    </message>
    <message>
        <source>&amp;Open</source>
        <translation>打开(&amp;O)</translation>
    </message>
    <message>
        <source>Continue this conversation in the main window.</source>
        <translation>在主窗口中继续此对话。</translation>
    </message>
    <message>
        <source>&amp;Rename…</source>
        <translation>重命名(&amp;R)…</translation>
    </message>
    <message>
        <source>Give this conversation a new title.</source>
        <translation>为此对话起一个新标题。</translation>
    </message>
    <message>
        <source>&amp;Delete</source>
        <translation>删除(&amp;D)</translation>
    </message>
    <message>
        <source>Delete this conversation and its messages.</source>
        <translation>删除此对话及其所有消息。</translation>
    </message>
    <message>
        <source>&amp;Export…</source>
        <translation>导出(&amp;E)…</translation>
    </message>
    <message>
        <source>Save this conversation as a Markdown (.md) or JSON (.json) file.</source>
        <translation>将此对话保存为 Markdown（.md）或 JSON（.json）文件。</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Close this window.</source>
        <translation>关闭此窗口。</translation>
    </message>
    <message>
        <source>%1
With %2, started %3</source>
        <translation>%1
与 %2 的对话，开始于 %3</translation>
    </message>
    <message>
        <source>No saved conversations yet.</source>
        <translation>还没有保存的对话。</translation>
    </message>
    <message>
        <source>No conversation matches the filter.</source>
        <translation>没有符合筛选条件的对话。</translation>
    </message>
    <message>
        <source>Rename conversation</source>
        <translation>重命名对话</translation>
    </message>
    <message>
        <source>New title (leave empty for an automatic one):</source>
        <translation>新标题（留空则自动生成）：</translation>
    </message>
    <message>
        <source>Delete conversation</source>
        <translation>删除对话</translation>
    </message>
    <message numerus="yes">
        <source>Delete “%1” with %2 (%n messages)?
This cannot be undone.</source>
        <translation>
            <numerusform>删除与 %2 的对话“%1”（%n 条消息）吗？
此操作无法撤销。</numerusform>
        </translation>
    </message>
    <message>
        <source>Export conversation</source>
        <translation>导出对话</translation>
    </message>
    <message>
        <source>Export failed</source>
        <translation>导出失败</translation>
    </message>
    <message>
        <source>Could not write %1: %2.</source>
        <translation>无法写入 %1：%2。</translation>
    </message>
</context>
<context>
    <name>Language</name>
    <message>
        <source>English</source>
        <translation>英语</translation>
    </message>
    <message>
        <source>Chinese</source>
        <translation>中文</translation>
    </message>
    <message>
        <source>German</source>
        <translation>德语</translation>
    </message>
    <message>
        <source>Spanish</source>
        <translation>西班牙语</translation>
    </message>
    <message>
        <source>French</source>
        <translation>法语</translation>
    </message>
    <message>
        <source>Italian</source>
        <translation>意大利语</translation>
    </message>
    <message>
        <source>Japanese</source>
        <translation>日语</translation>
    </message>
    <message>
        <source>Korean</source>
        <translation>韩语</translation>
    </message>
    <message>
        <source>Dutch</source>
        <translation>荷兰语</translation>
    </message>
    <message>
        <source>Polish</source>
        <translation>波兰语</translation>
    </message>
    <message>
        <source>Portuguese</source>
        <translation>葡萄牙语</translation>
    </message>
    <message>
        <source>Russian</source>
        <translation>俄语</translation>
    </message>
    <message>
        <source>Swedish</source>
        <translation>瑞典语</translation>
    </message>
    <message>
        <source>Turkish</source>
        <translation>土耳其语</translation>
    </message>
    <message>
        <source>Ukrainian</source>
        <translation>乌克兰语</translation>
    </message>
    <message>
        <source>Arabic</source>
        <translation>阿拉伯语</translation>
    </message>
    <message>
        <source>Hindi</source>
        <translation>印地语</translation>
    </message>
    <message>
        <source>Indonesian</source>
        <translation>印度尼西亚语</translation>
    </message>
    <message>
        <source>Vietnamese</source>
        <translation>越南语</translation>
    </message>
    <message>
        <source>Cantonese</source>
        <translation>粤语</translation>
    </message>
    <message>
        <source>Javanese</source>
        <translation>爪哇语</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>&amp;Conversation</source>
        <translation>对话(&amp;C)</translation>
    </message>
    <message>
        <source>C&amp;haracter</source>
        <translation>角色(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Settings</source>
        <translation>设置(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;New conversation</source>
        <translation>新建对话(&amp;N)</translation>
    </message>
    <message>
        <source>Start a new conversation with this character</source>
        <translation>与此角色开始新的对话</translation>
    </message>
    <message>
        <source>&amp;History…</source>
        <translation>历史记录(&amp;H)…</translation>
    </message>
    <message>
        <source>Reopen, rename, delete or export conversations</source>
        <translation>重新打开、重命名、删除或导出对话</translation>
    </message>
    <message>
        <source>Next &amp;greeting</source>
        <translation>下一条开场白(&amp;G)</translation>
    </message>
    <message>
        <source>Before you reply, show the character&apos;s next greeting</source>
        <translation>在你回复之前，显示角色的下一条开场白</translation>
    </message>
    <message>
        <source>&amp;Regenerate reply</source>
        <translation>重新生成回复(&amp;R)</translation>
    </message>
    <message>
        <source>Answer your last message again</source>
        <translation>重新回答你的上一条消息</translation>
    </message>
    <message>
        <source>&amp;Copy last reply</source>
        <translation>复制上一条回复(&amp;C)</translation>
    </message>
    <message>
        <source>Copy the character&apos;s last message</source>
        <translation>复制角色的上一条消息</translation>
    </message>
    <message>
        <source>Hands-&amp;free</source>
        <translation>免提(&amp;F)</translation>
    </message>
    <message>
        <source>Just talk: the microphone listens, talking over the reply interrupts it</source>
        <translation>直接说话：麦克风一直在听，在回复时开口即可打断</translation>
    </message>
    <message>
        <source>&amp;Dictation…</source>
        <translation>听写(&amp;D)…</translation>
    </message>
    <message>
        <source>Speak and the text appears; or transcribe audio files</source>
        <translation>说话即出文字；也可以转写音频文件</translation>
    </message>
    <message>
        <source>&amp;Stop</source>
        <translation>停止(&amp;S)</translation>
    </message>
    <message>
        <source>Stop the reply and its speech now</source>
        <translation>立即停止回复及其朗读</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>Quit VoiceBuddy</source>
        <translation>退出 VoiceBuddy</translation>
    </message>
    <message>
        <source>&amp;Choose character…</source>
        <translation>选择角色(&amp;C)…</translation>
    </message>
    <message>
        <source>Pick who you talk to</source>
        <translation>选择与你对话的角色</translation>
    </message>
    <message>
        <source>&amp;Memories…</source>
        <translation>记忆(&amp;M)…</translation>
    </message>
    <message>
        <source>What characters remember about you: search, correct, pin or forget it</source>
        <translation>角色记得的关于你的事：搜索、更正、置顶或忘掉</translation>
    </message>
    <message>
        <source>&amp;Preferences…</source>
        <translation>首选项(&amp;P)…</translation>
    </message>
    <message>
        <source>Models, voice, audio devices and more</source>
        <translation>模型、声音、音频设备等</translation>
    </message>
    <message>
        <source>&amp;Models…</source>
        <translation>模型(&amp;M)…</translation>
    </message>
    <message>
        <source>The models on this machine, whether they fit, and which one to talk with</source>
        <translation>这台电脑上的模型、是否放得下，以及用哪一个来对话</translation>
    </message>
    <message>
        <source>%1 Text-only mode: type your messages.</source>
        <translation>%1 纯文字模式：请输入消息。</translation>
    </message>
    <message>
        <source>%1 Replies are shown, not spoken.</source>
        <translation>%1 回复只显示，不朗读。</translation>
    </message>
    <message>
        <source>%1 What was recorded is kept.</source>
        <translation>%1 已录下的内容会保留。</translation>
    </message>
    <message>
        <source>The microphone took %1 ms to open: words said before that are lost. Keeping it open (Settings ▸ Voice &amp; audio) keeps them.</source>
        <translation>麦克风打开用了 %1 毫秒：这之前说的话会丢失。保持麦克风打开（设置 ▸ 声音与音频）就不会丢。</translation>
    </message>
    <message>
        <source>Too short: hold the key while you speak.</source>
        <translation>太短了：说话时请按住按键。</translation>
    </message>
    <message>
        <source>Replies come from a small built-in model. For a better companion, put a GGUF model file in %1 (or use Ollama or LM Studio) and choose it in Settings ▸ Models (Ctrl+M). This machine suits a %2 model in Q4_K_M (a %3 file).</source>
        <translation>现在的回复来自一个很小的内置模型。想要更好的陪伴，请把 GGUF 模型文件放进 %1（或使用 Ollama、LM Studio），然后在 设置 ▸ 模型（Ctrl+M）中选择它。这台电脑适合 %2 的 Q4_K_M 模型（文件约 %3）。</translation>
    </message>
    <message>
        <source>A better model</source>
        <translation>更好的模型</translation>
    </message>
    <message>
        <source>VoiceBuddy found %1 in %2. Use it for conversations?</source>
        <translation>VoiceBuddy 在 %2 中找到了 %1。要用它来对话吗？</translation>
    </message>
    <message>
        <source>You can change this at any time in Settings ▸ Models (Ctrl+M).</source>
        <translation>你随时可以在 设置 ▸ 模型（Ctrl+M）中更改。</translation>
    </message>
    <message>
        <source>Hands-free: just talk. Talking over %1 interrupts.</source>
        <translation>免提：直接说话即可。在%1说话时开口会打断它。</translation>
    </message>
    <message>
        <source>Hands-free: say “Hey %1” first.</source>
        <translation>免提：请先说“嘿，%1”。</translation>
    </message>
    <message>
        <source>Interrupted after %1 ms</source>
        <translation>%1 毫秒后已打断</translation>
    </message>
    <message>
        <source>The microphone is back.</source>
        <translation>麦克风已恢复。</translation>
    </message>
    <message>
        <source>I didn&apos;t catch that; hold the key while you speak.</source>
        <translation>我没听清；说话时请按住按键。</translation>
    </message>
    <message>
        <source>Model not loaded</source>
        <translation>模型未加载</translation>
    </message>
    <message>
        <source>%1

The previous models stay in use.</source>
        <translation>%1

将继续使用之前的模型。</translation>
    </message>
    <message>
        <source>The models are still loading: talk once VoiceBuddy is ready.</source>
        <translation>模型仍在加载：等 VoiceBuddy 准备好后再说话。</translation>
    </message>
    <message>
        <source>Dictation has the microphone: stop it to talk.</source>
        <translation>听写正在使用麦克风：先停止听写再说话。</translation>
    </message>
    <message>
        <source>Files are being transcribed: talk when that is done.</source>
        <translation>正在转写文件：完成后再说话。</translation>
    </message>
    <message>
        <source>Wait for the reply, or press Stop.</source>
        <translation>请等待回复，或按“停止”。</translation>
    </message>
    <message>
        <source>Edit message</source>
        <translation>编辑消息</translation>
    </message>
    <message>
        <source>Message:</source>
        <translation>消息：</translation>
    </message>
    <message>
        <source>Delete message</source>
        <translation>删除消息</translation>
    </message>
    <message>
        <source>Delete this message?</source>
        <translation>删除这条消息吗？</translation>
    </message>
    <message>
        <source>Character missing</source>
        <translation>找不到角色</translation>
    </message>
</context>
<context>
    <name>MemoryPanel</name>
    <message>
        <source>Memory</source>
        <translation>记忆</translation>
    </message>
    <message>
        <source>Pinned</source>
        <translation>置顶</translation>
    </message>
    <message>
        <source>Remembered</source>
        <translation>记住于</translation>
    </message>
    <message>
        <source>Recalled</source>
        <translation>想起次数</translation>
    </message>
    <message>
        <source>Memories</source>
        <translation>记忆</translation>
    </message>
    <message>
        <source>Whose memories of you are shown.</source>
        <translation>显示哪个角色关于你的记忆。</translation>
    </message>
    <message>
        <source>Off: this character learns nothing new and recalls nothing. What it keeps stays here until you forget it.</source>
        <translation>关闭后：此角色不再记住新的事，也不会想起任何记忆。已有的记忆会留在这里，直到你让它忘掉。</translation>
    </message>
    <message>
        <source>Search memories…</source>
        <translation>搜索记忆…</translation>
    </message>
    <message>
        <source>Show the memories that have these words, best first.</source>
        <translation>显示包含这些词的记忆，最相关的在前。</translation>
    </message>
    <message>
        <source>Double-click a memory (or press F2) to correct it; tick it to pin it.</source>
        <translation>双击一条记忆（或按 F2）即可更正；勾选即可置顶。</translation>
    </message>
    <message>
        <source>&amp;Add…</source>
        <translation>添加(&amp;A)…</translation>
    </message>
    <message>
        <source>Tell this character something to remember.</source>
        <translation>告诉此角色一件要记住的事。</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <source>Correct the words of this memory (F2).</source>
        <translation>更正这条记忆的内容（F2）。</translation>
    </message>
    <message>
        <source>&amp;Pin</source>
        <translation>置顶(&amp;P)</translation>
    </message>
    <message>
        <source>Pinned memories are recalled in every reply.</source>
        <translation>置顶的记忆在每次回复时都会被想起。</translation>
    </message>
    <message>
        <source>&amp;Delete</source>
        <translation>删除(&amp;D)</translation>
    </message>
    <message>
        <source>Forget the selected memories for good (Del).</source>
        <translation>永久忘掉选中的记忆（Del）。</translation>
    </message>
    <message>
        <source>&amp;Forget everything…</source>
        <translation>全部忘掉(&amp;F)…</translation>
    </message>
    <message>
        <source>Forget everything this character remembers about you.</source>
        <translation>忘掉此角色记得的关于你的一切。</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Close this window.</source>
        <translation>关闭此窗口。</translation>
    </message>
    <message>
        <source>%1 remembers nothing about you yet. Tell them about yourself, or add a memory.</source>
        <translation>%1 还不记得关于你的任何事。跟它讲讲你自己，或者添加一条记忆。</translation>
    </message>
    <message>
        <source>No memory has “%1”.</source>
        <translation>没有包含“%1”的记忆。</translation>
    </message>
    <message>
        <source>First remembered %1</source>
        <translation>首次记住于 %1</translation>
    </message>
    <message>
        <source>How many replies recalled it.</source>
        <translation>有多少次回复想起了它。</translation>
    </message>
    <message>
        <source>&amp;Remember what I tell %1</source>
        <translation>记住我告诉 %1 的事(&amp;R)</translation>
    </message>
    <message>
        <source>Memory is off for every character: Settings ▸ Conversation turns it on.</source>
        <translation>所有角色的记忆都已关闭：可在“设置 ▸ 对话”中开启。</translation>
    </message>
    <message>
        <source>%1 learns nothing new and recalls nothing.</source>
        <translation>%1 不会记住新的事，也不会想起任何记忆。</translation>
    </message>
    <message>
        <source>Un&amp;pin</source>
        <translation>取消置顶(&amp;P)</translation>
    </message>
    <message>
        <source>A memory needs some words: “%1” stays as it was.</source>
        <translation>记忆不能为空：“%1”保持不变。</translation>
    </message>
    <message>
        <source>Add a memory</source>
        <translation>添加记忆</translation>
    </message>
    <message>
        <source>What should %1 remember about you?</source>
        <translation>%1 应该记住关于你的什么事？</translation>
    </message>
    <message>
        <source>A memory needs some words: nothing was added.</source>
        <translation>记忆不能为空：没有添加任何内容。</translation>
    </message>
    <message>
        <source>%1 remembers: %2</source>
        <translation>%1 记住了：%2</translation>
    </message>
    <message>
        <source>Forget “%1” for good?</source>
        <translation>永久忘掉“%1”吗？</translation>
    </message>
    <message>
        <source>Forget these %1 memories for good?</source>
        <translation>永久忘掉这 %1 条记忆吗？</translation>
    </message>
    <message>
        <source>Forget memories</source>
        <translation>忘掉记忆</translation>
    </message>
    <message>
        <source>Forgot “%1”.</source>
        <translation>已忘掉“%1”。</translation>
    </message>
    <message>
        <source>Forgot %1 memories.</source>
        <translation>已忘掉 %1 条记忆。</translation>
    </message>
    <message>
        <source>Forget everything %1 remembers about you?</source>
        <translation>忘掉 %1 记得的关于你的一切吗？</translation>
    </message>
    <message>
        <source>Forget everything</source>
        <translation>全部忘掉</translation>
    </message>
    <message>
        <source>%1 has forgotten everything about you.</source>
        <translation>%1 已忘掉关于你的一切。</translation>
    </message>
    <message>
        <source>This cannot be undone: the words are also taken out of the conversations they came from.</source>
        <translation>此操作无法撤销：这些话也会从它们所在的对话中删除。</translation>
    </message>
</context>
<context>
    <name>MemorySettingsGroup</name>
    <message>
        <source>Memory</source>
        <translation>记忆</translation>
    </message>
    <message>
        <source>&amp;Remember what I tell characters</source>
        <translation>记住我告诉角色的事(&amp;R)</translation>
    </message>
    <message>
        <source> tokens</source>
        <translation> 词元</translation>
    </message>
    <message>
        <source>Characters keep what you tell them about yourself (your name, your dog&apos;s, where you live) and recall it in later conversations. Character ▸ Memories shows, corrects and forgets it, and turns it off for one character.</source>
        <translation>角色会记住你告诉它们的关于你自己的事（你的名字、你家狗的名字、你住在哪里），并在以后的对话中想起来。在“角色 ▸ 记忆”中可以查看、更正和忘掉这些记忆，也可以只为某个角色关闭记忆。</translation>
    </message>
    <message>
        <source>Memory &amp;budget:</source>
        <translation>记忆预算(&amp;B)：</translation>
    </message>
    <message>
        <source>The most the recalled memories take of each prompt, in tokens (about ¾ of a word each). Pinned memories come first.</source>
        <translation>每次提示中想起的记忆最多占用的词元数（每个词元约为 ¾ 个英文单词）。置顶的记忆优先。</translation>
    </message>
</context>
<context>
    <name>ModelsWindow</name>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Quantization</source>
        <translation>量化</translation>
    </message>
    <message>
        <source>Context</source>
        <translation>上下文</translation>
    </message>
    <message>
        <source>Memory</source>
        <translation>内存</translation>
    </message>
    <message>
        <source>Fits</source>
        <translation>是否放得下</translation>
    </message>
    <message>
        <source>Chat template</source>
        <translation>对话模板</translation>
    </message>
    <message>
        <source>your folder</source>
        <translation>你的文件夹</translation>
    </message>
    <message>
        <source>VoiceBuddy&apos;s folder</source>
        <translation>VoiceBuddy 的文件夹</translation>
    </message>
    <message>
        <source>fits</source>
        <translation>放得下</translation>
    </message>
    <message>
        <source>tight</source>
        <translation>勉强</translation>
    </message>
    <message>
        <source>too big</source>
        <translation>太大</translation>
    </message>
    <message>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Looking for models on this machine…</source>
        <translation>正在查找这台电脑上的模型…</translation>
    </message>
    <message>
        <source>Double-click a model to use it for every conversation.</source>
        <translation>双击一个模型，即可在所有对话中使用它。</translation>
    </message>
    <message>
        <source>Use</source>
        <translation>使用</translation>
    </message>
    <message>
        <source>Talk with this model in every conversation</source>
        <translation>在所有对话中使用这个模型</translation>
    </message>
    <message>
        <source>Use for %1</source>
        <translation>给 %1 使用</translation>
    </message>
    <message>
        <source>%1 talks with this model; the others keep theirs</source>
        <translation>%1 使用这个模型对话；其他角色保持不变</translation>
    </message>
    <message>
        <source>LoRA adapters found on this machine that fit the chosen model: Use loads the model with the one chosen here</source>
        <translation>这台电脑上找到的、适合所选模型的 LoRA 适配器：点“使用”时会连同这里选的适配器一起加载模型</translation>
    </message>
    <message>
        <source>LoRA adapter:</source>
        <translation>LoRA 适配器：</translation>
    </message>
    <message>
        <source>Add folder…</source>
        <translation>添加文件夹…</translation>
    </message>
    <message>
        <source>Also look for GGUF files in a folder of yours</source>
        <translation>也在你的某个文件夹中查找 GGUF 文件</translation>
    </message>
    <message>
        <source>Look again</source>
        <translation>重新查找</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>%1 chat models found. This machine: %2 for models (%3 free now); memory is estimated for %4 tokens of context.</source>
        <translation>找到 %1 个对话模型。这台电脑：可用于模型的内存 %2（当前空闲 %3）；内存按 %4 个词元的上下文估算。</translation>
    </message>
    <message>
        <source>No chat models were found. Put a GGUF file in a folder and add it here, or download one with Ollama, LM Studio or GPT4All: for this machine, a %1 model in Q4_K_M (a %2 file) talks far better than the built-in 135M one.</source>
        <translation>没有找到对话模型。把 GGUF 文件放进一个文件夹并在这里添加，或用 Ollama、LM Studio、GPT4All 下载一个：对这台电脑来说，%1 的 Q4_K_M 模型（文件约 %2）比内置的 135M 模型好得多。</translation>
    </message>
    <message>
        <source>%1 (%2 of %3 layers on the GPU)</source>
        <translation>%1（%3 层中有 %2 层在 GPU 上）</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>有</translation>
    </message>
    <message>
        <source>no</source>
        <translation>无</translation>
    </message>
    <message>
        <source>In use: %1</source>
        <translation>正在使用：%1</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>A folder with GGUF models</source>
        <translation>存放 GGUF 模型的文件夹</translation>
    </message>
</context>
<context>
    <name>PathField</name>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Auto-detect</source>
        <translation>自动检测</translation>
    </message>
    <message>
        <source>The character&apos;s language</source>
        <translation>角色的语言</translation>
    </message>
    <message>
        <source>VoiceBuddy settings</source>
        <translation>VoiceBuddy 设置</translation>
    </message>
    <message>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Voice &amp;&amp; audio</source>
        <translation>声音与音频</translation>
    </message>
    <message>
        <source>Conversation</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>From anywhere</source>
        <translation>随处可用</translation>
    </message>
    <message>
        <source>Default: SmolLM2 135M Instruct (bundled)</source>
        <translation>默认：SmolLM2 135M Instruct（内置）</translation>
    </message>
    <message>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <source>All layers</source>
        <translation>所有层</translation>
    </message>
    <message>
        <source> tokens</source>
        <translation> 词元</translation>
    </message>
    <message>
        <source>Language model</source>
        <translation>语言模型</translation>
    </message>
    <message>
        <source>&amp;Model file:</source>
        <translation>模型文件(&amp;M)：</translation>
    </message>
    <message>
        <source>A GGUF chat model for llama.cpp. Leave empty to use the bundled default model.</source>
        <translation>供 llama.cpp 使用的 GGUF 对话模型。留空则使用内置的默认模型。</translation>
    </message>
    <message>
        <source>&amp;LoRA adapter:</source>
        <translation>LoRA 适配器(&amp;L)：</translation>
    </message>
    <message>
        <source>Optional LoRA adapter (GGUF) applied on top of the model. Leave empty for none.</source>
        <translation>可选的 LoRA 适配器（GGUF），叠加在模型之上。留空则不使用。</translation>
    </message>
    <message>
        <source>&amp;GPU layers:</source>
        <translation>GPU 层数(&amp;G)：</translation>
    </message>
    <message>
        <source>How many model layers to offload to the GPU: 0 runs on the CPU only, &quot;All layers&quot; (-1) offloads everything. Ignored without a GPU build.</source>
        <translation>要卸载到 GPU 的模型层数：0 表示只用 CPU 运行，“所有层”（-1）表示全部卸载。没有 GPU 版本时忽略此项。</translation>
    </message>
    <message>
        <source>&amp;Context size:</source>
        <translation>上下文长度(&amp;C)：</translation>
    </message>
    <message>
        <source>How many tokens of conversation the model sees at once. Larger remembers more but needs more memory and time.</source>
        <translation>模型一次能看到的对话词元数。越大记得越多，但需要更多内存和时间。</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>whisper.cpp model file (.bin)…</source>
        <translation>whisper.cpp 模型文件（.bin）…</translation>
    </message>
    <message>
        <source>faster-whisper model folder…</source>
        <translation>faster-whisper 模型文件夹…</translation>
    </message>
    <message>
        <source>Speech recognition</source>
        <translation>语音识别</translation>
    </message>
    <message>
        <source>The Whisper model: &quot;auto&quot; uses tiny.en for English and base for other languages; or a name, a whisper.cpp .bin file, or a faster-whisper folder.</source>
        <translation>Whisper 模型：“auto”对英语使用 tiny.en，对其他语言使用 base；也可以填写模型名称、whisper.cpp 的 .bin 文件或 faster-whisper 文件夹。</translation>
    </message>
    <message>
        <source>&amp;Whisper model:</source>
        <translation>Whisper 模型(&amp;W)：</translation>
    </message>
    <message>
        <source>Choose a whisper.cpp .bin file or a faster-whisper folder.</source>
        <translation>选择 whisper.cpp 的 .bin 文件或 faster-whisper 文件夹。</translation>
    </message>
    <message>
        <source>Lan&amp;guage:</source>
        <translation>语言(&amp;G)：</translation>
    </message>
    <message>
        <source>The language you speak. English-only models (.en) need &quot;en&quot;; Auto-detect works with multilingual models but is slower and less reliable.</source>
        <translation>你说的语言。纯英语模型（.en）需要选择“en”；自动检测适用于多语言模型，但速度较慢，也不够可靠。</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>系统默认</translation>
    </message>
    <message>
        <source>Devices</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>&amp;Microphone:</source>
        <translation>麦克风(&amp;M)：</translation>
    </message>
    <message>
        <source>The device to record from. &quot;System default&quot; follows the system&apos;s choice.</source>
        <translation>用于录音的设备。“系统默认”跟随系统的选择。</translation>
    </message>
    <message>
        <source>S&amp;peaker:</source>
        <translation>扬声器(&amp;P)：</translation>
    </message>
    <message>
        <source>The device replies are played on. &quot;System default&quot; follows the system&apos;s choice.</source>
        <translation>用于播放回复的设备。“系统默认”跟随系统的选择。</translation>
    </message>
    <message>
        <source>Push to talk</source>
        <translation>按键说话</translation>
    </message>
    <message>
        <source>&amp;Hold-to-talk key:</source>
        <translation>按住说话键(&amp;H)：</translation>
    </message>
    <message>
        <source>Hold this key while you speak and release it when you are done. Click the field and press a single key (modifiers are dropped).</source>
        <translation>说话时按住此键，说完后松开。点击此输入框后按下一个键即可设置（修饰键会被忽略）。</translation>
    </message>
    <message>
        <source>Keep the microphone &amp;open</source>
        <translation>保持麦克风打开(&amp;O)</translation>
    </message>
    <message>
        <source>Your first word is kept even when you start talking as you press the key. When off, the microphone is opened at each press and closed when idle.</source>
        <translation>即使按下按键的同时开口，第一个字也不会丢。关闭后，每次按键时才打开麦克风，空闲时关闭。</translation>
    </message>
    <message>
        <source>Pressing the key &amp;interrupts the character</source>
        <translation>按下按键即可打断角色(&amp;I)</translation>
    </message>
    <message>
        <source>While the character thinks or speaks, a press stops it and listens.</source>
        <translation>角色思考或说话时，按下按键会让它停下并开始听你说。</translation>
    </message>
    <message>
        <source>&amp;Transcribe while the key is held</source>
        <translation>按住按键时即开始转写(&amp;T)</translation>
    </message>
    <message>
        <source>Whisper hears your words at each pause, so the reply starts sooner after you let go. Off: everything is transcribed after the release.</source>
        <translation>每次停顿时 Whisper 就会转写你说的话，松开按键后回复开始得更快。关闭：松开后再转写全部内容。</translation>
    </message>
    <message>
        <source>Smart: a model hears whether you have finished</source>
        <translation>智能：由模型听出你是否说完</translation>
    </message>
    <message>
        <source>Pause only</source>
        <translation>仅按停顿</translation>
    </message>
    <message>
        <source> ms</source>
        <translation> 毫秒</translation>
    </message>
    <message>
        <source>Speakers (ignore the character&apos;s own voice)</source>
        <translation>扬声器（忽略角色自己的声音）</translation>
    </message>
    <message>
        <source>Headset</source>
        <translation>耳机</translation>
    </message>
    <message>
        <source>Talking over the character &amp;interrupts it</source>
        <translation>在角色说话时开口即可打断(&amp;I)</translation>
    </message>
    <message>
        <source>Answer only after “Hey &lt;name&gt;”</source>
        <translation>只在听到“嘿，&lt;名字&gt;”后回答</translation>
    </message>
    <message>
        <source>Hands-free (Conversation ▸ Hands-free)</source>
        <translation>免提（对话 ▸ 免提）</translation>
    </message>
    <message>
        <source>End of &amp;turn:</source>
        <translation>说完判断(&amp;T)：</translation>
    </message>
    <message>
        <source>Smart: at each short pause a small model judges from your voice whether you have finished, so the character answers sooner and lets you think mid-sentence.</source>
        <translation>智能：每次短暂停顿时，一个小模型根据你的声音判断你是否说完，角色因此回答得更快，你也可以在句子中间思考。</translation>
    </message>
    <message>
        <source>Ask the model &amp;after:</source>
        <translation>停顿多久后询问模型(&amp;A)：</translation>
    </message>
    <message>
        <source>Smart: the pause after which the model is asked.</source>
        <translation>智能：停顿达到这么长时询问模型。</translation>
    </message>
    <message>
        <source>&amp;Longest pause:</source>
        <translation>最长停顿(&amp;L)：</translation>
    </message>
    <message>
        <source>Smart: a pause this long ends your turn whatever the model says.</source>
        <translation>智能：停顿达到这么长时，无论模型怎么判断，都视为你已说完。</translation>
    </message>
    <message>
        <source>&amp;End of speech after:</source>
        <translation>停顿多久算说完(&amp;E)：</translation>
    </message>
    <message>
        <source>Pause only: how long a pause ends what you say. Longer lets you think mid-sentence.</source>
        <translation>仅按停顿：停顿多久算说完。设得更长，你就可以在句子中间思考。</translation>
    </message>
    <message>
        <source>&amp;Sound comes from:</source>
        <translation>声音来自(&amp;S)：</translation>
    </message>
    <message>
        <source>With speakers the microphone also hears the character; VoiceBuddy then only counts sound clearly louder than that echo as you.</source>
        <translation>使用扬声器时，麦克风也会听到角色的声音；VoiceBuddy 只把明显比这回声更响的声音当作您。</translation>
    </message>
    <message>
        <source>Stop the reply as soon as you start talking.</source>
        <translation>您一开口，就立即停止回复。</translation>
    </message>
    <message>
        <source>Hands-free turns must start with “Hey” and the character&apos;s name.</source>
        <translation>免提时，每句话都要以“嘿”加角色名字开头。</translation>
    </message>
    <message>
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <source>Your &amp;name:</source>
        <translation>你的名字(&amp;N)：</translation>
    </message>
    <message>
        <source>How characters address you: replaces {{user}} in character cards.</source>
        <translation>角色对你的称呼：替换角色卡中的 {{user}}。</translation>
    </message>
    <message>
        <source>Replies</source>
        <translation>回复</translation>
    </message>
    <message>
        <source>&amp;Temperature:</source>
        <translation>温度(&amp;T)：</translation>
    </message>
    <message>
        <source>Randomness of the replies: lower is more focused and repeatable, higher is more varied and creative.</source>
        <translation>回复的随机程度：越低越专注、越稳定，越高越多样、越有创意。</translation>
    </message>
    <message>
        <source>Top-&amp;p:</source>
        <translation>Top-p(&amp;P)：</translation>
    </message>
    <message>
        <source>Nucleus sampling: only the most likely words whose probabilities add up to this are considered. 1.0 turns it off.</source>
        <translation>核采样：只考虑累计概率达到此值的那些最可能的词。1.0 表示关闭。</translation>
    </message>
    <message>
        <source>Repeat &amp;penalty:</source>
        <translation>重复惩罚(&amp;P)：</translation>
    </message>
    <message>
        <source>Discourages repeating the same words; 1.0 turns it off.</source>
        <translation>减少重复相同的词语；1.0 表示关闭。</translation>
    </message>
    <message>
        <source>Ma&amp;x reply length:</source>
        <translation>最大回复长度(&amp;X)：</translation>
    </message>
    <message>
        <source>The longest reply, in tokens (about ¾ of a word each). Short replies suit speech.</source>
        <translation>回复的最大长度，以词元计（一个词元约合 ¾ 个英文单词）。简短的回复更适合语音。</translation>
    </message>
    <message>
        <source>System</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>A new language takes effect the next time VoiceBuddy starts.</source>
        <translation>更改语言后，下次启动 VoiceBuddy 时生效。</translation>
    </message>
    <message>
        <source>Window</source>
        <translation>窗口</translation>
    </message>
    <message>
        <source>The language of VoiceBuddy&apos;s window. &quot;System&quot; follows the system&apos;s language (Simplified Chinese for any Chinese, otherwise English).</source>
        <translation>VoiceBuddy 窗口的语言。“跟随系统”使用系统的语言（系统为任何一种中文时使用简体中文，否则使用英语）。</translation>
    </message>
    <message>
        <source>&amp;Keep running in the tray when the window closes</source>
        <translation>关闭窗口后在托盘中继续运行(&amp;K)</translation>
    </message>
    <message>
        <source>Closing the window leaves VoiceBuddy in the tray; its menu brings the window back or quits.</source>
        <translation>关闭窗口后 VoiceBuddy 留在托盘中；托盘菜单可以重新打开窗口或退出。</translation>
    </message>
    <message>
        <source>This desktop has no tray.</source>
        <translation>这个桌面没有托盘。</translation>
    </message>
    <message>
        <source>%1 (not connected)</source>
        <translation>%1（未连接）</translation>
    </message>
    <message>
        <source>The language model file %1 does not exist.</source>
        <translation>语言模型文件 %1 不存在。</translation>
    </message>
    <message>
        <source>The LoRA adapter file %1 does not exist.</source>
        <translation>LoRA 适配器文件 %1 不存在。</translation>
    </message>
    <message>
        <source>The Whisper model %1 is neither a known name (%2) nor an existing file or folder.</source>
        <translation>Whisper 模型 %1 既不是已知的名称（%2），也不是已存在的文件或文件夹。</translation>
    </message>
    <message>
        <source>Choose a hold-to-talk key.</source>
        <translation>请选择一个按住说话键。</translation>
    </message>
    <message>
        <source>Enter your name (characters use it for {{user}}).</source>
        <translation>请输入你的名字（角色会用它替换 {{user}}）。</translation>
    </message>
    <message>
        <source>Choose a GGUF file</source>
        <translation>选择 GGUF 文件</translation>
    </message>
    <message>
        <source>GGUF models (*.gguf);;All files (*)</source>
        <translation>GGUF 模型 (*.gguf);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Choose a whisper.cpp model</source>
        <translation>选择 whisper.cpp 模型</translation>
    </message>
    <message>
        <source>whisper.cpp models (*.bin);;All files (*)</source>
        <translation>whisper.cpp 模型 (*.bin);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Choose a faster-whisper model folder</source>
        <translation>选择 faster-whisper 模型文件夹</translation>
    </message>
</context>
<context>
    <name>SpeechOutputGroup</name>
    <message>
        <source>Speech output</source>
        <translation>语音输出</translation>
    </message>
    <message>
        <source>Character&apos;s voice (or the default)</source>
        <translation>角色的声音（或默认声音）</translation>
    </message>
    <message>
        <source>Voice &amp;file…</source>
        <translation>声音文件(&amp;F)…</translation>
    </message>
    <message>
        <source>Use a Piper voice file (.onnx, with its .onnx.json beside it).</source>
        <translation>使用 Piper 声音文件（.onnx，旁边需有对应的 .onnx.json）。</translation>
    </message>
    <message>
        <source>The voice&apos;s default speaker</source>
        <translation>该声音的默认说话人</translation>
    </message>
    <message>
        <source>Voice default</source>
        <translation>默认语速</translation>
    </message>
    <message>
        <source> words/min</source>
        <translation> 词/分钟</translation>
    </message>
    <message>
        <source>Read replies aloud</source>
        <translation>朗读回复</translation>
    </message>
    <message>
        <source>The text-to-speech voice. Natural (Piper) voices sound like a person; system voices speak more languages. The first entry uses the character&apos;s own voice, or the default voice of its language if the character has none.</source>
        <translation>文字转语音所用的声音。自然（Piper）声音听起来像真人；系统声音支持更多语言。第一项使用角色自己的声音；角色没有指定声音时，使用其语言的默认声音。</translation>
    </message>
    <message>
        <source>&amp;Voice:</source>
        <translation>声音(&amp;V)：</translation>
    </message>
    <message>
        <source>Voice spea&amp;ker:</source>
        <translation>说话人(&amp;K)：</translation>
    </message>
    <message>
        <source>Natural voices with several speakers: who speaks, by name or number. Empty uses the voice&apos;s default speaker.</source>
        <translation>有多个说话人的自然声音：由谁来说，填名字或编号。留空则使用该声音的默认说话人。</translation>
    </message>
    <message>
        <source>Pa&amp;ce (natural voices):</source>
        <translation>语速(&amp;C)（自然声音）：</translation>
    </message>
    <message>
        <source>How slowly natural (Piper) voices speak (%1–%2): above 1 is slower, below 1 faster. &quot;Voice default&quot; keeps the voice&apos;s own pace.</source>
        <translation>自然（Piper）声音说话的快慢（%1–%2）：大于 1 更慢，小于 1 更快。“默认语速”保持该声音本身的语速。</translation>
    </message>
    <message>
        <source>&amp;Rate (system voices):</source>
        <translation>语速(&amp;R)（系统声音）：</translation>
    </message>
    <message>
        <source>Speaking speed of system voices in words per minute (%1–%2); &quot;Voice default&quot; keeps the voice&apos;s own speed.</source>
        <translation>系统声音的说话速度，单位为每分钟词数（%1–%2）；“默认语速”保持该声音本身的速度。</translation>
    </message>
    <message>
        <source>Vo&amp;lume:</source>
        <translation>音量(&amp;L)：</translation>
    </message>
    <message>
        <source>Loudness of the spoken replies: 1 as the voice gives it, %1 to %2.</source>
        <translation>朗读回复的响度：1 为声音原本的音量，范围 %1 到 %2。</translation>
    </message>
    <message>
        <source>Speak each reply as it is written. When off, replies are only shown.</source>
        <translation>边生成边朗读每条回复。关闭后回复只显示，不朗读。</translation>
    </message>
    <message>
        <source>%1 (not installed)</source>
        <translation>%1（未安装）</translation>
    </message>
    <message>
        <source>%1 — natural (Piper)</source>
        <translation>%1 — 自然（Piper）</translation>
    </message>
    <message>
        <source>%1 — system</source>
        <translation>%1 — 系统</translation>
    </message>
    <message>
        <source>Quality: %1</source>
        <translation>质量：%1</translation>
    </message>
    <message>
        <source>Speakers: %1</source>
        <translation>说话人数：%1</translation>
    </message>
    <message>
        <source>Choose a Piper voice</source>
        <translation>选择 Piper 声音</translation>
    </message>
    <message>
        <source>Piper voices (*.onnx)</source>
        <translation>Piper 声音 (*.onnx)</translation>
    </message>
</context>
<context>
    <name>StatusFigures</name>
    <message>
        <source>Loading models…</source>
        <translation>正在加载模型…</translation>
    </message>
    <message>
        <source>thinking…</source>
        <translation>思考中…</translation>
    </message>
    <message>
        <source>The model is reasoning before it answers</source>
        <translation>模型正在推理，之后才会回答</translation>
    </message>
    <message>
        <source>● Microphone on</source>
        <translation>● 麦克风已打开</translation>
    </message>
    <message>
        <source>The microphone is open, so your first word is kept even as you press the key. Settings ▸ Voice &amp; audio can close it when you are not talking.</source>
        <translation>麦克风处于打开状态，所以按键的同时开口，第一个字也不会丢。可在“设置 ▸ 声音与音频”中让它在你不说话时关闭。</translation>
    </message>
    <message>
        <source>The language and speech models in use</source>
        <translation>正在使用的语言模型和语音模型</translation>
    </message>
    <message>
        <source>Tokens per second of the last reply</source>
        <translation>上一条回复每秒生成的词元数</translation>
    </message>
    <message>
        <source>End of your speech to the first sound of the reply</source>
        <translation>从你说完话到回复发出第一个声音的时间</translation>
    </message>
    <message>
        <source>Hands-free: from the end of your speech to the moment VoiceBuddy decided you had finished (Settings ▸ Voice &amp; audio ▸ End of turn)</source>
        <translation>免按键模式：从你说完到 VoiceBuddy 判断你已说完所用的时间（设置 ▸ 声音与音频 ▸ 说完判断）</translation>
    </message>
    <message>
        <source>Memory this process uses</source>
        <translation>此进程占用的内存</translation>
    </message>
    <message>
        <source>%1 MB</source>
        <translation>%1 MB</translation>
    </message>
    <message>
        <source>No models loaded</source>
        <translation>未加载模型</translation>
    </message>
    <message>
        <source>%1 tokens/s</source>
        <translation>%1 词元/秒</translation>
    </message>
    <message>
        <source>end of turn %1 ms</source>
        <translation>说完判断 %1 毫秒</translation>
    </message>
    <message>
        <source>voice-to-voice %1 ms</source>
        <translation>语音到语音 %1 毫秒</translation>
    </message>
</context>
<context>
    <name>TalkPanel</name>
    <message>
        <source>Conversation state</source>
        <translation>对话状态</translation>
    </message>
    <message>
        <source>Microphone input level</source>
        <translation>麦克风输入音量</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Stop the reply and its speech now (Esc)</source>
        <translation>立即停止回复及其朗读（Esc）</translation>
    </message>
    <message>
        <source>Type a message and press Enter</source>
        <translation>输入消息，按 Enter 发送</translation>
    </message>
    <message>
        <source>Type instead of talking; Enter sends</source>
        <translation>也可以打字代替说话；按 Enter 发送</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <source>Send the typed message (Enter)</source>
        <translation>发送输入的消息（Enter）</translation>
    </message>
    <message>
        <source>Hold to talk  (%1)</source>
        <translation>按住说话（%1）</translation>
    </message>
    <message>
        <source>Press and hold this button, or hold %1, while you speak; release to send</source>
        <translation>说话时按住此按钮或按住 %1；松开即发送</translation>
    </message>
</context>
<context>
    <name>TalkState</name>
    <message>
        <source>Loading models…</source>
        <translation>正在加载模型…</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <source>Listening…</source>
        <translation>正在聆听…</translation>
    </message>
    <message>
        <source>Transcribing…</source>
        <translation>正在转写…</translation>
    </message>
    <message>
        <source>Thinking…</source>
        <translation>正在思考…</translation>
    </message>
    <message>
        <source>Speaking…</source>
        <translation>正在说话…</translation>
    </message>
    <message>
        <source>Dictating…</source>
        <translation>听写中…</translation>
    </message>
</context>
<context>
    <name>Tray</name>
    <message>
        <source>Show VoiceBuddy</source>
        <translation>显示 VoiceBuddy</translation>
    </message>
    <message>
        <source>Hands-free</source>
        <translation>免提</translation>
    </message>
    <message>
        <source>Dictation…</source>
        <translation>听写…</translation>
    </message>
    <message>
        <source>Choose character…</source>
        <translation>选择角色…</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>VoiceBuddy — %1</source>
        <translation>VoiceBuddy：%1</translation>
    </message>
</context>
</TS>
