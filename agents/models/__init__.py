"""Agent models. Each concept lives in its own module; this package re-exports them."""

from .agents import Agent, Channel, ChannelToken
from .conversations import Conversation, Message, Trace
from .golden import Canary, GoldenQuestion, RegressionResult, RegressionRun, SwapEvent
from .support import Reproduction, SupportAccessGrant

__all__ = ["Agent", "Channel", "ChannelToken", "Conversation", "Message", "Trace", "Reproduction", "SupportAccessGrant"]
