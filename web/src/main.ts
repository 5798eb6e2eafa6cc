import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

// The staff pages load apart: a learner's page carries none of their code.
const staff = location.pathname === '/staff' || location.pathname.startsWith('/staff/');
if (staff) void import('./staff/StaffApp.svelte').then(({ default: StaffApp }) => mount(StaffApp, { target }));
else mount(App, { target });
