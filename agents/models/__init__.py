"""Agent models. Each concept lives in its own module; this package re-exports them."""

from .agents import Agent, Channel, ChannelToken
from .conversations import Conversation, Message, Trace

__all__ = ["Agent", "Channel", "ChannelToken", "Conversation", "Message", "Trace"]
