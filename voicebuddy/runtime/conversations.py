"""The open conversation, and the store it is kept in (the runtime's engine thread only)."""

from __future__ import annotations

import functools
from collections.abc import Callable

import voicebuddy.runtime.commands as c
from voicebuddy.characters.character import Character
from voicebuddy.config import Paths
from voicebuddy.conversation import Conversation
from voicebuddy.errors import VoiceBuddyError
from voicebuddy.events import Event, Failed
from voicebuddy.runtime.engines import find
from voicebuddy.runtime.events import ConversationChanged, ConversationOpened
from voicebuddy.session import ChatSession, restore
from voicebuddy.storage import Store


class Conversations:
    """Opens conversations (kept in `store`, or only in memory when it is None), changes the
    open one as the user asks, and tells every change (ConversationOpened, ...Changed)."""

    def __init__(
        self,
        store: Store | None,
        paths: Paths,
        emit: Callable[[Event], None],
        user_name: Callable[[], str],
    ) -> None:
        self._store = store
        self._paths = paths
        self._emit = emit
        self._user_name = user_name
        self._session: ChatSession | None = None
        self.current: Conversation | None = None
        self.version = 0  # counts changes: the read-ahead knows whether it is up to date

    @property
    def conversation_id(self) -> int:
        return self._session.conversation_id if self._session else 0

    def _character(self, name: str) -> Character:
        return find(self._paths, name)

    def open_first(self, opening: c.Opening, character: str, user: str) -> None:
        """The last conversation, else `character`'s last one; or a new one."""
        if self._store is not None and opening == "last":
            finder = functools.partial(find, self._paths)
            self._use(restore(self._store, finder, character, user))
        else:
            self._start(self._character(character), user, resume=False)

    def _start(self, character: Character, user: str, *, resume: bool) -> None:
        if self._store is None:
            self._use(None, Conversation.start(character, user))
        elif resume:
            self._use(ChatSession.resume(self._store, character, user))
        else:
            self._use(ChatSession.new(self._store, character, user))

    def _use(self, session: ChatSession | None, conversation: Conversation | None = None) -> None:
        self._session = session
        current = session.conversation if session is not None else conversation
        assert current is not None
        self.current = current
        self.version += 1
        self._emit(
            ConversationOpened(
                conversation_id=self.conversation_id,
                character=current.character,
                user_name=current.user_name,
                messages=tuple(current.messages),
                can_cycle_greeting=current.can_cycle_greeting(),
            )
        )

    def changed(self) -> None:
        """Tell the open conversation's messages as they are now."""
        if self.current is None:
            return
        self.version += 1
        self._emit(
            ConversationChanged(
                conversation_id=self.conversation_id,
                messages=tuple(self.current.messages),
                can_cycle_greeting=self.current.can_cycle_greeting(),
            )
        )

    def _failed(self, error: VoiceBuddyError) -> None:
        self._emit(Failed(code=error.code, message=error.message, about="command"))

    # ----- the user's commands
    def open_character(self, command: c.OpenCharacter) -> None:
        try:
            self._start(self._character(command.name), self._user_name(), resume=True)
        except VoiceBuddyError as error:
            self._failed(error)

    def open_conversation(self, command: c.OpenConversation) -> None:
        try:
            if self._store is None:
                raise VoiceBuddyError("no_store", "Conversations are not kept in this mode.")
            info = self._store.conversation(command.conversation_id)
            character = self._character(info.character)
            self._use(ChatSession.open(self._store, info.id, character, self._user_name()))
        except VoiceBuddyError as error:
            self._failed(error)

    def new(self, _command: c.NewConversation) -> None:
        if self.current is None:
            return
        try:
            self._start(self.current.character, self._user_name(), resume=False)
        except VoiceBuddyError as error:
            self._failed(error)

    def edit(self, command: c.EditMessage) -> None:
        current = self.current
        if current is not None and 0 <= command.index < len(current.messages):
            self._change(lambda: current.replace(command.index, command.text))

    def delete(self, command: c.DeleteMessage) -> None:
        current = self.current
        if current is not None and 0 <= command.index < len(current.messages):
            self._change(lambda: current.remove(command.index))

    def next_greeting(self, _command: c.NextGreeting) -> None:
        if self.current is not None:
            self._change(self.current.next_greeting)

    def _change(self, change: Callable[[], object]) -> None:
        try:
            change()
        except VoiceBuddyError as error:
            self._failed(error)
        self.changed()
