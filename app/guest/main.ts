// The guest page's entry: mounts the chat. Everything it needs is in the link's fragment and the
// visitor's own storage; nothing of the owner's workspace is loaded here.
import { mount } from 'svelte';
import GuestPage from './GuestPage.svelte';

mount(GuestPage, { target: document.getElementById('guest')! });
